-- The public feedback register, spread over 2009-2026. Variables: feedback (count).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET synchronous_commit = off;
SET work_mem = '256MB';

CREATE UNLOGGED TABLE bench.fb_plan AS
WITH base AS (
  SELECT n, (date '2009-01-05' + ((n - 1 + 0.5) * (date '2026-11-20' - date '2009-01-05') / :feedback)::int) AS received_on
  FROM generate_series(1, :feedback) n
)
SELECT n, received_on, extract(year FROM received_on)::int AS year,
  row_number() OVER (PARTITION BY extract(year FROM received_on) ORDER BY n) AS seq,
  CASE WHEN n > :feedback * 0.99 THEN 'registered' WHEN n % 10 = 3 THEN 'replied' ELSE 'closed' END AS status
FROM base;

INSERT INTO feedback (register_no, kind, channel, subject, content, contact_name, contact_phone, status,
                      received_on, reply_due_on, reply_days, reply_text, replied_at, replied_on, closed_at,
                      rating, rated_at, published_at, public_subject, public_question, public_reply, created_at, updated_at)
SELECT year || '-' || CASE WHEN seq < 100000 THEN lpad(seq::text, 5, '0') ELSE seq::text END,
  (ARRAY['consultation', 'complaint', 'suggestion'])[1 + n % 3],
  (ARRAY['online', 'online', 'phone', 'letter', 'in_person', 'mailbox'])[1 + n % 6],
  s.subject, s.subject || '，' || (ARRAY['希望镇政府尽快处理。', '请问具体办理流程是什么？', '建议加强管理。'])[1 + n % 3],
  CASE WHEN n % 2 = 0 THEN '李明' END, CASE WHEN n % 2 = 0 THEN '138' || lpad((n % 100000000)::text, 8, '0') END,
  status, received_on, received_on + 7, 5,
  CASE WHEN status <> 'registered' THEN '您好，您反映的问题已转交相关部门办理，感谢您的监督。' END,
  CASE WHEN status <> 'registered' THEN received_on + 3 + time '15:00' END,
  CASE WHEN status <> 'registered' THEN received_on + 3 END,
  CASE WHEN status = 'closed' THEN received_on + 10 + time '09:00' END,
  CASE WHEN status = 'closed' AND n % 4 = 0 THEN 1 + n % 5 END,
  CASE WHEN status = 'closed' AND n % 4 = 0 THEN received_on + 10 + time '09:00' END,
  CASE WHEN status = 'closed' AND n % 5 = 0 THEN received_on + 11 + time '09:00' END,
  CASE WHEN status = 'closed' AND n % 5 = 0 THEN s.subject END,
  CASE WHEN status = 'closed' AND n % 5 = 0 THEN s.subject || '，请尽快处理。' END,
  CASE WHEN status = 'closed' AND n % 5 = 0 THEN '已转交相关部门办理。' END,
  received_on + time '10:00', received_on + 10 + time '09:00'
FROM bench.fb_plan
CROSS JOIN LATERAL (SELECT (ARRAY['路灯不亮', '垃圾清运不及时', '村村通公路破损', '低保申请咨询', '防汛物资发放',
   '秸秆禁烧宣传', '合作医疗报销', '养老保险缴费', '噪音扰民', '饮水安全问题'])[1 + n % 10] AS subject) s;

INSERT INTO yearly_counters (name, year, last)
SELECT 'feedback', year, max(seq) FROM bench.fb_plan GROUP BY year
ON CONFLICT (name, year) DO UPDATE SET last = GREATEST(yearly_counters.last, EXCLUDED.last);
