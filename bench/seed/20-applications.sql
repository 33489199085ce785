-- Applications for disclosure, their applicants and timelines, spread over 2009-2026.
-- Variables: applications (count).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET synchronous_commit = off;
SET work_mem = '256MB';
SELECT setseed(0.2020) \gset

CREATE UNLOGGED TABLE bench.app_plan AS
WITH base AS (
  SELECT n, (date '2009-01-05' + ((n - 1 + random()) * (date '2026-11-20' - date '2009-01-05') / :applications)::int) AS received_on,
         random() AS r_outcome, random() AS r_type
  FROM generate_series(1, :applications) n
)
SELECT n, received_on, extract(year FROM received_on)::int AS year,
  row_number() OVER (PARTITION BY extract(year FROM received_on) ORDER BY n) AS seq,
  -- The last 2% are open; 1 in 100 of the others was withdrawn.
  CASE WHEN n > :applications * 0.98 THEN 'received'
       WHEN n % 100 = 41 THEN 'withdrawn' ELSE 'answered' END AS status,
  CASE WHEN r_outcome < 0.55 THEN 'granted' WHEN r_outcome < 0.70 THEN 'partially_granted'
       WHEN r_outcome < 0.78 THEN 'refused' WHEN r_outcome < 0.90 THEN 'unable'
       WHEN r_outcome < 0.96 THEN 'not_processed' ELSE 'other' END AS outcome,
  CASE WHEN r_type < 0.85 THEN 'natural_person' WHEN r_type < 0.93 THEN 'enterprise'
       WHEN r_type < 0.95 THEN 'research_institution' WHEN r_type < 0.97 THEN 'public_interest_org'
       WHEN r_type < 0.99 THEN 'legal_service_org' ELSE 'other_org' END AS applicant_type,
  5 + (n % 24) AS days
FROM base;

INSERT INTO applications (id, tracking_no, status, applicant_type, description, purpose, delivery, channel,
                          received_on, due_on, outcome, reason, answer_text, closed_on, created_at, updated_at)
SELECT bench.item_id(1000000000 + n), year || '-' || CASE WHEN seq < 100000 THEN lpad(seq::text, 5, '0') ELSE seq::text END,
  status, applicant_type,
  '申请公开' || year || '年朱台镇' || (ARRAY['农村道路改造工程的招标文件', '防汛物资采购合同', '低保户名单', '土地征收补偿标准',
      '财政预算执行情况', '环境整治专项资金使用情况', '村庄规划图', '安全生产检查记录'])[1 + n % 8],
  CASE WHEN n % 3 = 0 THEN '了解本村相关情况' END,
  (ARRAY['email', 'post', 'pickup', 'online'])[1 + n % 4],
  (ARRAY['online', 'online', 'online', 'in_person', 'letter', 'registered_post', 'fax'])[1 + n % 7],
  received_on, received_on + 28,
  CASE WHEN status = 'answered' THEN outcome WHEN status = 'withdrawn' THEN 'other' END,
  CASE WHEN status = 'withdrawn' THEN 'other'
       WHEN status <> 'answered' THEN NULL
       WHEN outcome = 'refused' THEN (ARRAY['state_secret', 'prohibited_by_law', 'security_stability', 'third_party_rights',
            'internal_affairs', 'process_information', 'law_enforcement_file', 'administrative_query'])[1 + n % 8]
       WHEN outcome = 'unable' THEN (ARRAY['not_held', 'needs_creation', 'still_unclear'])[1 + n % 3]
       WHEN outcome = 'not_processed' THEN (ARRAY['petition_complaint', 'repeat_application', 'public_publication',
            'excessive_repeated', 'confirm_or_reissue'])[1 + n % 5]
       WHEN outcome = 'other' THEN (ARRAY['correction_overdue', 'fee_unpaid', 'other'])[1 + n % 3] END,
  CASE WHEN status = 'answered' THEN '经审查，现将答复如下：所申请信息' || CASE WHEN outcome LIKE '%granted' THEN '予以公开。' ELSE '依法处理。' END END,
  CASE WHEN status <> 'received' THEN received_on + days END,
  received_on + time '09:30', received_on + days + time '16:00'
FROM bench.app_plan;

INSERT INTO applicants (application_id, name, id_document_type, id_document_number, credit_code, phone, email, address)
SELECT bench.item_id(1000000000 + n),
  CASE WHEN applicant_type = 'natural_person'
       THEN (ARRAY['李', '王', '张', '刘', '陈', '杨', '赵', '黄'])[1 + n % 8] || (ARRAY['明', '伟', '芳', '娜', '强', '磊', '军', '洋', '勇', '艳'])[1 + n % 10]
       ELSE '淄博' || (ARRAY['鑫源', '华泰', '正大', '金诚'])[1 + n % 4] || '有限公司' END,
  CASE WHEN applicant_type = 'natural_person' THEN 'resident_id' END,
  CASE WHEN applicant_type = 'natural_person' THEN '370305' || (1950 + n % 50) || '0101' || lpad((n % 1000)::text, 3, '0') || 'X' END,
  CASE WHEN applicant_type <> 'natural_person' THEN '91370305' || lpad((n % 10000000000)::text, 10, '0') END,
  '0533-' || lpad((7000000 + n % 999999)::text, 7, '0'), 'a' || n || '@example.cn', '朱台镇' || (1 + n % 40) || '村'
FROM bench.app_plan;

INSERT INTO application_events (application_id, at, actor_kind, action, status_before, status_after, due_after)
SELECT bench.item_id(1000000000 + n), received_on + time '09:30', 'anonymous', 'received', NULL, 'received', received_on + 28
FROM bench.app_plan;
INSERT INTO application_events (application_id, at, actor_kind, action, status_before, status_after, due_before, due_after)
SELECT bench.item_id(1000000000 + n), received_on + days + time '16:00', 'system',
  CASE WHEN status = 'answered' THEN 'answered' ELSE 'withdrawn' END, 'received', status, received_on + 28, received_on + 28
FROM bench.app_plan WHERE status <> 'received';

INSERT INTO yearly_counters (name, year, last)
SELECT 'application', year, max(seq) FROM bench.app_plan GROUP BY year
ON CONFLICT (name, year) DO UPDATE SET last = GREATEST(yearly_counters.last, EXCLUDED.last);
