-- The registered type as the source wrote it (有限责任公司（自然人投资或控股）,
-- 个人独资企业 …) beside the canonical kind it maps to; NULL when the source
-- gave the canonical kind itself or nothing.
ALTER TABLE enterprises ADD COLUMN kind_text TEXT;
