-- The vocabulary and the text pools (only when the catalogue's tables exist: the search vectors
-- come from its `item_search_vector`). Variable: docs (pool size).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT setseed(0.2009) \gset
CREATE TABLE bench.common (a text[] NOT NULL);
INSERT INTO bench.common VALUES (ARRAY[
  '镇政府', '朱台镇', '关于', '公开', '通知', '村', '工作', '会议', '各村', '各部门', '镇直各单位',
  '要求', '认真', '落实', '加强', '组织', '领导', '进一步', '做好', '开展', '全镇', '切实', '确保',
  '按照', '有关规定', '上级', '部署', '经研究', '决定', '现将', '有关事项', '如下', '请', '遵照执行',
  '情况', '推进', '完善', '制度', '责任', '群众', '服务', '监督', '检查', '考核', '年度', '目标',
  '任务', '措施', '保障', '宣传', '提高', '意识', '机制', '建立', '健全', '实施', '方案', '管理',
  '办法', '规定', '标准', '时间', '地点', '参加人员', '村两委', '党员干部', '负责同志', '区委',
  '区政府', '镇党委', '统筹', '协调', '及时', '上报', '汇总', '存在问题', '整改', '成效', '经验',
  '全面', '重点', '基层', '依法', '规范', '程序', '材料', '报送', '截止', '联系人', '电话', '附件',
  '特此通知', '为了', '根据', '结合', '实际', '制定', '本镇', '各村居', '社区', '农户', '村民'
]);

-- Topics: name (the item's keyword), category, share of the catalogue, phrases.
CREATE TABLE bench.topic (
  t int PRIMARY KEY, name text NOT NULL, category text NOT NULL, weight float8 NOT NULL,
  lo float8, hi float8, phrases text[] NOT NULL
);
INSERT INTO bench.topic (t, name, category, weight, phrases) VALUES
 (1, '防汛', 'work', 2, ARRAY['防汛', '防汛抗旱', '汛期', '河道', '排涝', '汛前检查', '抢险队伍', '水库', '防汛物资', '值班值守', '强降雨', '危险区域']),
 (2, '扶贫', 'work', 6, ARRAY['扶贫', '精准扶贫', '贫困户', '帮扶', '脱贫攻坚', '建档立卡', '低保', '救助', '扶贫资金', '产业扶贫', '结对帮扶']),
 (3, '安全生产', 'work', 8, ARRAY['安全生产', '隐患排查', '企业', '消防', '安全检查', '整改到位', '安全责任', '危险化学品', '事故', '应急预案', '烟花爆竹']),
 (4, '环境整治', 'work', 7, ARRAY['环境整治', '垃圾清运', '绿化', '污水', '村容村貌', '秸秆禁烧', '人居环境', '保洁', '乱堆乱放', '厕所改造']),
 (5, '农业', 'work', 9, ARRAY['农业', '小麦', '玉米', '种植', '农机', '合作社', '种粮补贴', '良种', '病虫害', '春耕', '三夏', '蔬菜大棚']),
 (6, '规划', 'plan', 4, ARRAY['规划', '土地利用', '总体规划', '村庄布局', '编制', '建设用地', '控制性详规', '规划许可', '公示期']),
 (7, '财政', 'statistics', 5, ARRAY['财政', '预算', '决算', '财政收支', '专项资金', '三公经费', '政府采购', '转移支付', '债务']),
 (8, '人事', 'organization', 5, ARRAY['人事', '任免', '干部', '公开招聘', '机构设置', '职能', '编制', '岗位', '考察', '试用期']),
 (9, '教育', 'work', 5, ARRAY['教育', '学校', '学生', '教师', '校舍', '义务教育', '幼儿园', '营养餐', '校车']),
 (10, '卫生', 'work', 5, ARRAY['卫生', '医疗', '合作医疗', '疫苗接种', '卫生院', '传染病', '家庭医生', '健康档案']),
 (11, '计划生育', 'policy', 4, ARRAY['计划生育', '人口', '奖励扶助', '独生子女', '生育服务', '流动人口']),
 (12, '社会保障', 'policy', 6, ARRAY['社会保障', '养老保险', '参保', '社保', '医疗保险', '缴费', '待遇', '退役军人']),
 (13, '政务公开', 'policy', 5, ARRAY['政务公开', '信息公开', '公开目录', '公开指南', '依申请公开', '保密审查', '年度报告', '公开栏']),
 (14, '党建', 'organization', 6, ARRAY['党建', '党支部', '党员', '组织生活', '三会一课', '廉政建设', '作风建设', '主题教育']),
 (15, '交通', 'work', 5, ARRAY['交通', '公路', '村村通', '道路硬化', '公交', '桥梁', '交通安全', '超限超载']),
 (16, '水利', 'work', 3, ARRAY['水利', '灌溉', '机井', '水渠', '节水', '饮水安全', '小型水利']),
 (17, '林业', 'work', 2, ARRAY['林业', '植树造林', '林木', '护林防火', '苗木', '森林']),
 (18, '统计', 'statistics', 3, ARRAY['统计', '统计调查', '人口普查', '经济普查', '统计数据', '报表', '农业普查']),
 (19, '民政', 'policy', 4, ARRAY['民政', '优抚', '五保供养', '残疾人', '临时救助', '养老服务', '婚姻登记']),
 (20, '招商', 'work', 4, ARRAY['招商引资', '项目建设', '工业园', '投资', '营商环境', '重点项目', '开工']);
UPDATE bench.topic t SET lo = c.lo, hi = c.hi FROM (
  SELECT t, (sum(weight) OVER (ORDER BY t) - weight) / sum(weight) OVER () AS lo,
            sum(weight) OVER (ORDER BY t) / sum(weight) OVER () AS hi FROM bench.topic) c
WHERE c.t = t.t;

-- Paragraphs of 200 to 222 characters, ending with 。 (an item's body is 1 to 9 of them:
-- 200 to about 2,000 characters).
CREATE TABLE bench.para (t int, j int, txt text NOT NULL, vec tsvector, PRIMARY KEY (t, j));
INSERT INTO bench.para (t, j, txt)
SELECT tp.t, j, left(s, 199 + (j % 23)) || '。'
FROM bench.topic tp CROSS JOIN generate_series(1, 200) j CROSS JOIN bench.common c
CROSS JOIN LATERAL (
  SELECT string_agg(CASE WHEN g > 0 AND random() < 0.4 THEN bench.pick(tp.phrases) ELSE bench.pick(c.a) END
                    || CASE WHEN random() < 0.25 THEN '，' WHEN random() < 0.1 THEN '。' ELSE '' END, '')
  FROM generate_series(1, 100 + j - j) g) x(s);
UPDATE bench.para SET vec = item_search_vector('', '', NULL, txt);

-- Titles (weight A, position 1) and summaries (weight B, position 3).
CREATE TABLE bench.title (t int, j int, txt text NOT NULL, vec tsvector, PRIMARY KEY (t, j));
INSERT INTO bench.title (t, j, txt)
SELECT tp.t, j,
  bench.pick(ARRAY['朱台镇人民政府关于', '关于', '朱台镇关于', '中共朱台镇委员会关于', '朱台镇人民政府办公室关于', '朱台镇'])
  || bench.pick(ARRAY['做好', '加强', '开展', '印发', '进一步做好', '切实抓好', '召开', '公布', '调整', '落实'])
  || bench.pick(tp.phrases) || bench.pick(ARRAY['', '', '和' || bench.pick(c.a)])
  || bench.pick(ARRAY['工作的通知', '工作方案', '的实施意见', '情况的报告', '工作会议的通知', '的公示',
                      '工作要点', '专项行动方案', '考核结果的通报', '管理办法', '的决定', '工作总结'])
FROM bench.topic tp CROSS JOIN generate_series(1, 300) j CROSS JOIN bench.common c;
UPDATE bench.title SET vec = item_search_vector(txt, '', NULL, '');

CREATE TABLE bench.summary (t int, j int, txt text NOT NULL, vec tsvector, PRIMARY KEY (t, j));
INSERT INTO bench.summary (t, j, txt)
SELECT tp.t, j, left(s, 98) || '。'
FROM bench.topic tp CROSS JOIN generate_series(1, 50) j CROSS JOIN bench.common c
CROSS JOIN LATERAL (
  SELECT '为' || string_agg(CASE WHEN g > 0 AND random() < 0.5 THEN bench.pick(tp.phrases) ELSE bench.pick(c.a) END
                    || CASE WHEN random() < 0.3 THEN '，' ELSE '' END, '')
  FROM generate_series(1, 12 + j % 12) g) x(s);
UPDATE bench.summary SET vec = item_search_vector('', txt, NULL, '');

-- The document pool: `docs` documents, spread over the topics by their shares.
CREATE TABLE bench.doc (
  t int, j int, title text NOT NULL, summary text NOT NULL, doc_no text, body text NOT NULL,
  vec tsvector NOT NULL, headline tsvector NOT NULL, PRIMARY KEY (t, j)
);
INSERT INTO bench.doc (t, j, title, summary, doc_no, body, vec, headline)
SELECT tp.t, dj, ti.txt, su.txt, dn.doc_no, b.body, ti.vec || dn.vec || su.vec || b.vec, ti.vec || dn.vec
FROM bench.topic tp
CROSS JOIN LATERAL generate_series(1, ceil(:docs * tp.weight / (SELECT sum(weight) FROM bench.topic))::int) dj
JOIN bench.title ti ON ti.t = tp.t AND ti.j = 1 + (dj * 7 + dj / 300) % 300
JOIN bench.summary su ON su.t = tp.t AND su.j = 1 + (dj * 13) % 50
CROSS JOIN LATERAL (SELECT CASE WHEN dj % 5 < 2 THEN '朱政发〔' || (2009 + dj % 18) || '〕' || (1 + dj % 97) || '号' END AS doc_no,
                           CASE WHEN dj % 5 < 2 THEN ('''朱'':2A ''政'':2A ''发'':2A ''朱政'':2A ''政发'':2A ''号'':2A '''
                             || (2009 + dj % 18) || ''':2A ''' || (1 + dj % 97) || ''':2A')::tsvector
                           ELSE ''::tsvector END AS vec) dn
CROSS JOIN LATERAL (
  SELECT string_agg(pa.txt, '' ORDER BY g) AS body, bench.tsv_agg(pa.vec ORDER BY g) AS vec
  FROM generate_series(1, 1 + floor(random() * 9)::int + dj - dj) g
  JOIN bench.para pa ON pa.t = tp.t AND pa.j = 1 + (dj * 31 + g * 17 + g * g * dj) % 200
) b;
ALTER TABLE bench.topic ADD COLUMN docs int;
UPDATE bench.topic tp SET docs = (SELECT count(*) FROM bench.doc d WHERE d.t = tp.t);
