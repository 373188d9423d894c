-- PostgreSQL's 0007 makes district, street and tag columns compare
-- byte-wise; SQLite compares text byte-wise already (BINARY), so there is
-- nothing to change here. The file keeps both dialects at the same version.
SELECT 1;
