-- More words that say nothing about a problem (员工, 办理, 咨询, 时间 …):
-- in appeals they are everywhere, and as hot topics they hid the problems.
-- A word the office already keeps (as a term or a stop word) stays as it
-- is; the counts are marked as of an older dictionary, so the topic job
-- counts them again.
INSERT INTO appeal_dictionary (word, kind, created_by, created_at) VALUES
	('员工', 'stop', 'system', 0), ('周边', 'stop', 'system', 0), ('办理', 'stop', 'system', 0),
	('咨询', 'stop', 'system', 0), ('时间', 'stop', 'system', 0), ('走访', 'stop', 'system', 0),
	('来电', 'stop', 'system', 0), ('热线', 'stop', 'system', 0), ('匿名', 'stop', 'system', 0),
	('项目', 'stop', 'system', 0), ('信息', 'stop', 'system', 0), ('了解', 'stop', 'system', 0),
	('一起', 'stop', 'system', 0), ('前期', 'stop', 'system', 0), ('加快', 'stop', 'system', 0),
	('严重', 'stop', 'system', 0), ('不足', 'stop', 'system', 0), ('不到', 'stop', 'system', 0),
	('工作', 'stop', 'system', 0), ('服务', 'stop', 'system', 0), ('单位', 'stop', 'system', 0),
	('政府', 'stop', 'system', 0), ('表示', 'stop', 'system', 0), ('存在', 'stop', 'system', 0),
	('造成', 'stop', 'system', 0), ('无法', 'stop', 'system', 0), ('不能', 'stop', 'system', 0),
	('现在', 'stop', 'system', 0), ('近期', 'stop', 'system', 0), ('最近', 'stop', 'system', 0),
	('多次', 'stop', 'system', 0), ('经常', 'stop', 'system', 0), ('及时', 'stop', 'system', 0),
	('处理', 'stop', 'system', 0), ('落实', 'stop', 'system', 0), ('给予', 'stop', 'system', 0),
	('支持', 'stop', 'system', 0), ('期间', 'stop', 'system', 0), ('由于', 'stop', 'system', 0),
	('因为', 'stop', 'system', 0), ('但是', 'stop', 'system', 0), ('可以', 'stop', 'system', 0),
	('能够', 'stop', 'system', 0), ('是否', 'stop', 'system', 0), ('如何', 'stop', 'system', 0),
	('其他', 'stop', 'system', 0), ('方面', 'stop', 'system', 0), ('本人', 'stop', 'system', 0),
	('对方', 'stop', 'system', 0), ('今年', 'stop', 'system', 0), ('去年', 'stop', 'system', 0),
	('本月', 'stop', 'system', 0), ('上月', 'stop', 'system', 0), ('附近', 'stop', 'system', 0),
	('非常', 'stop', 'system', 0), ('特别', 'stop', 'system', 0), ('比较', 'stop', 'system', 0),
	('很多', 'stop', 'system', 0), ('一些', 'stop', 'system', 0), ('进一步', 'stop', 'system', 0),
	('不够', 'stop', 'system', 0), ('仍然', 'stop', 'system', 0), ('依然', 'stop', 'system', 0),
	('答复', 'stop', 'system', 0), ('回复', 'stop', 'system', 0), ('情况说明', 'stop', 'system', 0),
	('有限公司', 'stop', 'system', 0), ('市民', 'stop', 'system', 0), ('群众', 'stop', 'system', 0),
	('来访', 'stop', 'system', 0), ('多家', 'stop', 'system', 0), ('一家', 'stop', 'system', 0),
	('部分', 'stop', 'system', 0), ('存在问题', 'stop', 'system', 0), ('工作人员', 'stop', 'system', 0),
	('工作日', 'stop', 'system', 0), ('只能', 'stop', 'system', 0), ('另一家', 'stop', 'system', 0),
	('多处', 'stop', 'system', 0), ('多日', 'stop', 'system', 0), ('天天', 'stop', 'system', 0),
	('增加', 'stop', 'system', 0), ('多月', 'stop', 'system', 0), ('减少', 'stop', 'system', 0)
ON CONFLICT (word) DO NOTHING;
UPDATE appeal_topic_state SET dict_version = dict_version + 1 WHERE id = 1;
