-- Service network (服务网络): service stations, service specialists with
-- their grid, the assignment of enterprises to specialists, visit logs,
-- and the enterprise self-service tables (invitations and self-reports).
-- Instants are BIGINT Unix milliseconds (UTC); dates are TEXT 'YYYY-MM-DD'.

-- A service station (中小企业服务站). coverage lists the streets and parks
-- (园区) it serves, joined with '|', as free text for people; the grid that
-- routes enterprises is the specialists'.
CREATE TABLE service_stations (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	address    TEXT NOT NULL DEFAULT '',
	district   TEXT,
	coverage   TEXT NOT NULL DEFAULT '',
	unit_id    INTEGER REFERENCES units(id),
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

-- A service specialist (服务专员): a user with role specialist, joined to a
-- station, with a target number of enterprises (0 = no target).
CREATE TABLE specialists (
	user_id     INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
	station_id  INTEGER NOT NULL REFERENCES service_stations(id),
	target_load INTEGER NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL
);
CREATE INDEX specialists_station ON specialists(station_id);

-- A specialist's grid (网格): one row per covered cell, a whole district
-- (street '') or one street of a district.
CREATE TABLE specialist_grid (
	user_id  INTEGER NOT NULL REFERENCES specialists(user_id) ON DELETE CASCADE,
	district TEXT NOT NULL,
	street   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (user_id, district, street)
);
CREATE INDEX specialist_grid_cell ON specialist_grid(district, street);

-- Which specialist looks after an enterprise; how is 自动 or 手动.
CREATE TABLE enterprise_assignments (
	enterprise_id      INTEGER PRIMARY KEY REFERENCES enterprises(id) ON DELETE CASCADE,
	specialist_user_id INTEGER NOT NULL REFERENCES users(id),
	assigned_at        BIGINT NOT NULL,
	how                TEXT NOT NULL
);
CREATE INDEX enterprise_assignments_specialist ON enterprise_assignments(specialist_user_id, enterprise_id);

-- The automatic assignment counts and reads the enterprises of one grid cell
-- (district, street) at a time; with status the index covers those queries.
CREATE INDEX enterprises_district_street ON enterprises(district, street, status);

-- A visit (走访) to an enterprise; form is 上门, 电话 or 线上.
CREATE TABLE visits (
	id                 INTEGER PRIMARY KEY,
	enterprise_id      INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
	specialist_user_id INTEGER NOT NULL REFERENCES users(id),
	date               TEXT NOT NULL,
	form               TEXT NOT NULL,
	content            TEXT NOT NULL,
	problems           TEXT NOT NULL DEFAULT '',
	created_at         BIGINT NOT NULL
);
CREATE INDEX visits_enterprise ON visits(enterprise_id, date);
CREATE INDEX visits_specialist ON visits(specialist_user_id, date);

-- One-time invitation codes binding a new enterprise account to an
-- enterprise. Only the SHA-256 of the code is kept.
CREATE TABLE invitations (
	id            INTEGER PRIMARY KEY,
	code_hash     TEXT NOT NULL UNIQUE,
	enterprise_id INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
	created_by    INTEGER REFERENCES users(id),
	created_at    BIGINT NOT NULL,
	expires_at    BIGINT NOT NULL,
	used_at       BIGINT,
	used_by       INTEGER REFERENCES users(id)
);
CREATE INDEX invitations_enterprise ON invitations(enterprise_id);

-- Values an enterprise reported about itself (企业自报), one row per field,
-- in the stored text form of the field (money in yuan, tags joined with
-- '|', dates YYYY-MM-DD). status is 待审核, 已采纳 or 已驳回.
CREATE TABLE self_reports (
	id            INTEGER PRIMARY KEY,
	enterprise_id INTEGER NOT NULL REFERENCES enterprises(id) ON DELETE CASCADE,
	field         TEXT NOT NULL,
	value         TEXT,
	old_value     TEXT,
	reported_by   INTEGER REFERENCES users(id),
	at            BIGINT NOT NULL,
	status        TEXT NOT NULL,
	reviewed_by   INTEGER REFERENCES users(id),
	reviewed_at   BIGINT,
	note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX self_reports_status ON self_reports(status, at);
CREATE INDEX self_reports_enterprise ON self_reports(enterprise_id, at);
