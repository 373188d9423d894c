package appeal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/notify"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// Intake is what filing an appeal takes: the body of POST /api/v1/appeals.
type Intake struct {
	// ExternalRef is the caller's own reference: the same reference from
	// the same client files one appeal, however often it is sent.
	ExternalRef    string `json:"external_ref"`
	Channel        string `json:"channel"`
	USCC           string `json:"uscc"`
	EnterpriseName string `json:"enterprise_name"`
	ContactName    string `json:"contact_name"`
	ContactPhone   string `json:"contact_phone"`
	District       string `json:"district"`
	Category       string `json:"category"`
	Urgency        string `json:"urgency"`
	Title          string `json:"title"`
	Content        string `json:"content"`
	// ReceivedAt is when the caller's channel accepted the appeal (machine
	// clients: API tokens and the office); default now.
	ReceivedAt *Instant `json:"received_at"`
	// LimitDays overrides the handling limit of the category's class
	// (machine clients and the office).
	LimitDays int  `json:"limit_days"`
	Publish   bool `json:"publish"`
	// EnterpriseID names the enterprise by id instead of USCC (the filing
	// forms of specialists and the office).
	EnterpriseID int64 `json:"enterprise_id"`
	// Uploads are files sent with a page's form.
	Uploads []Upload `json:"-"`
	// Similar asks for the suggested duplicates (Appeal.Similar) in the
	// acknowledgement: for whoever files by hand and will read them, not
	// for a system that files by the thousand (the filing page shows them
	// while its form is typed, through Similar).
	Similar bool `json:"-"`
}

// Instant is the receipt instant of an intake, RFC 3339 in JSON; a
// malformed one is an Invalid error on received_at.
type Instant struct{ time.Time }

// UnmarshalJSON reads an RFC 3339 text. Errors: Invalid on received_at.
func (i *Instant) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			i.Time = t
			return nil
		}
	}
	return errs.FieldErrorf("received_at", "受理时间应为 RFC 3339 格式并带时区，如 2026-03-02T10:00:00+08:00")
}

// Limits of the intake fields, in characters.
const (
	maxTitle   = 100
	maxContent = 5000
	maxRef     = 64
)

// channelsFor lists the channels each role may file through; the first is
// its default.
func channelsFor(a *auth.Actor) []Channel {
	switch a.Role {
	case auth.RoleEnterprise:
		return []Channel{ChannelPortal}
	case auth.RoleSpecialist:
		return []Channel{ChannelSpecialist, ChannelVisit}
	case auth.RoleUnitStaff:
		if a.TokenID != 0 {
			return []Channel{ChannelAPI, ChannelHotline, ChannelOpen311}
		}
		return []Channel{ChannelHotline, ChannelAPI, ChannelVisit, ChannelOpen311}
	case auth.RoleAdmin:
		if a.TokenID != 0 {
			return []Channel{ChannelAPI, ChannelHotline, ChannelOpen311, ChannelRoundtable, ChannelVisit}
		}
		return []Channel{ChannelRoundtable, ChannelVisit, ChannelHotline, ChannelAPI, ChannelOpen311}
	}
	return nil
}

// ChannelsFor returns the channels a may file through, its default first:
// the filing form offers them.
func ChannelsFor(a *auth.Actor) []Channel {
	if a == nil {
		return nil
	}
	return channelsFor(a)
}

// machine reports whether a may state when its channel received an appeal
// and override its limit: API tokens and the office.
func machine(a *auth.Actor) bool { return a.TokenID != 0 || a.Role == auth.RoleAdmin }

// checkPhone accepts the characters phone numbers are written with.
func checkPhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 30 {
		return "", errs.FieldErrorf("contact_phone", "联系电话过长")
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune("+-() 转#,，", r) {
			return "", errs.FieldErrorf("contact_phone", "联系电话只能包含数字和 + - ( ) 空格")
		}
	}
	return s, nil
}

// titleOf makes a title of the first words of content.
func titleOf(content string) string {
	content = strings.Join(strings.FieldsFunc(content, unicode.IsSpace), " ")
	r := []rune(content)
	if len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return string(r)
}

// filing is an intake checked and resolved.
type filing struct {
	Intake
	channel    Channel
	enterprise *enterprise.Ref
	unknown    bool
	district   *string
	entry      *Entry
	classID    int64
	catalogue  int
	received   time.Time
	client     string
}

// check validates in for a and resolves its enterprise, category and
// class. Errors: Invalid on a field; Forbidden when a may not file for the
// enterprise.
func (s *Service) check(ctx context.Context, a *auth.Actor, in Intake, now time.Time) (*filing, error) {
	f := &filing{Intake: in}
	allowed := channelsFor(a)
	if in.Channel == "" {
		f.channel = allowed[0]
	} else {
		f.channel = channelNamed(in.Channel)
		if !slices.Contains(allowed, f.channel) {
			names := make([]string, len(allowed))
			for i, c := range allowed {
				names[i] = string(c) + "（" + c.Label() + "）"
			}
			return nil, errs.FieldErrorf("channel", "渠道“%s”不可用，可选：%s", in.Channel, strings.Join(names, "、"))
		}
	}
	var err error
	switch {
	case a.Role == auth.RoleEnterprise:
		if a.EnterpriseID == nil {
			return nil, errs.Errorf(errs.Forbidden, "账号未绑定企业，不能提交诉求")
		}
		if f.enterprise, err = s.registry.RefByID(ctx, *a.EnterpriseID); err != nil {
			return nil, err
		}
		if in.USCC != "" {
			if code, _ := enterprise.ParseUSCC(in.USCC); code != f.enterprise.USCC {
				return nil, errs.FieldErrorf("uscc", "企业账号只能为本企业提交诉求")
			}
		}
	case in.EnterpriseID > 0:
		if f.enterprise, err = s.registry.RefByID(ctx, in.EnterpriseID); err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return nil, errs.FieldErrorf("enterprise_id", "企业（编号%d）不存在", in.EnterpriseID)
			}
			return nil, err
		}
	case strings.TrimSpace(in.USCC) != "":
		code, err := enterprise.ParseUSCC(in.USCC)
		if err != nil {
			return nil, err
		}
		f.USCC = code
		f.enterprise, err = s.registry.RefByUSCC(ctx, code)
		switch errs.CodeOf(err) {
		case "":
		case errs.NotFound:
			// A valid code the registry does not know is kept and flagged.
			f.enterprise, f.unknown = nil, true
		default:
			return nil, err
		}
	case f.channel != ChannelHotline:
		return nil, errs.FieldErrorf("uscc", "请填写企业的统一社会信用代码（仅12345热线渠道可匿名）")
	}
	var res auth.Resource
	if f.enterprise != nil {
		f.USCC = f.enterprise.USCC
		if s.owners != nil {
			if res, err = s.owners.EnterpriseResource(ctx, f.enterprise.ID); err != nil {
				return nil, err
			}
		}
		res.EnterpriseID = f.enterprise.ID
	}
	if err := auth.Authorize(a, auth.FileAppeal, res); err != nil {
		if f.enterprise != nil && a.Role == auth.RoleSpecialist {
			return nil, errs.Errorf(errs.Forbidden, "只能为自己负责的企业代提诉求")
		}
		return nil, err
	}
	if f.enterprise != nil {
		f.EnterpriseName = f.enterprise.Name
		f.district = f.enterprise.District
	} else if f.EnterpriseName, err = cleanText("enterprise_name", "企业名称", in.EnterpriseName, 100, false); err != nil {
		return nil, err
	}
	if f.ContactName, err = cleanText("contact_name", "联系人", in.ContactName, 50, false); err != nil {
		return nil, err
	}
	if f.ContactPhone, err = checkPhone(in.ContactPhone); err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.District) != "" {
		code, err := s.city.ParseDistrict(in.District)
		switch zone, zerr := s.city.ParseZone(in.District); {
		case err == nil:
			f.district = &code
		case zerr != nil:
			return nil, err
		default:
			// A functional zone (东湖高新区), as hotlines record it: the
			// enterprise's own district stands; else the zone's district
			// when it has one; else the district stays unknown — the
			// appeal is filed all the same.
			if z, _ := s.city.Zone(zone); f.district == nil && len(z.Districts) == 1 {
				host := z.Districts[0]
				f.district = &host
			}
		}
	}
	if f.Content, err = cleanText("content", "诉求内容", in.Content, maxContent, true); err != nil {
		return nil, err
	}
	if f.Title, err = cleanText("title", "诉求标题", in.Title, maxTitle, false); err != nil {
		return nil, err
	}
	if f.Title == "" {
		f.Title = titleOf(f.Content)
	}
	if f.ExternalRef, err = cleanText("external_ref", "外部编号", in.ExternalRef, maxRef, false); err != nil {
		return nil, err
	}
	f.Urgency = canon(in.Urgency)
	if f.Urgency == "" {
		f.Urgency = UrgencyNormal
	}
	if f.Urgency != UrgencyNormal && f.Urgency != UrgencyUrgent {
		return nil, errs.FieldErrorf("urgency", "紧急程度“%s”无法识别：应为“一般”或“紧急”（也可写普通、特急、加急）", in.Urgency)
	}
	cat, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	if f.entry, err = cat.entry(in.Category); err != nil {
		return nil, err
	}
	f.Category, f.catalogue, f.classID = f.entry.Category, cat.version, classFor(cat, f.entry, f.Urgency)
	f.received = now
	if in.ReceivedAt != nil {
		if !machine(a) {
			return nil, errs.FieldErrorf("received_at", "受理时间只能由政务系统接口或营商办填写")
		}
		t := in.ReceivedAt.Time
		if t.After(now.Add(5 * time.Minute)) {
			return nil, errs.FieldErrorf("received_at", "受理时间不能晚于当前时间")
		}
		if t.Year() < 2000 {
			return nil, errs.FieldErrorf("received_at", "受理时间过早")
		}
		f.received = t.UTC().Truncate(time.Millisecond)
	}
	if in.LimitDays != 0 {
		if !machine(a) {
			return nil, errs.FieldErrorf("limit_days", "办理时限只能由政务系统接口或营商办指定")
		}
		if in.LimitDays < 1 || in.LimitDays > 365 {
			return nil, errs.FieldErrorf("limit_days", "办理时限应为1–365个工作日")
		}
	}
	f.client = a.ClientKey()
	if f.client == "" {
		f.client = "operator:" + a.Name
	}
	return f, nil
}

// errDuplicate ends an intake transaction whose reference was filed
// before.
var errDuplicate = errors.New("duplicate external reference")

// File files an appeal for a and acknowledges it: its number, status and
// deadlines, and the enterprise's similar open appeals when in.Similar asks
// for them. The same ExternalRef from the same client (API token or
// account) answers the appeal filed the first time, with created false —
// never a second appeal, also under concurrent retries and across
// instances (a unique constraint on (client, external_ref), INSERT … ON
// CONFLICT DO NOTHING, then a read). The category's catalogue entry
// dispatches it at once when it names a unit. Who may call it: the office,
// units and the hotline's tokens (auth.FileAppeal), a specialist for the
// enterprises assigned to them (代提), an enterprise for itself. Errors:
// Unauthenticated; Forbidden; Invalid on a field (channel, uscc, category,
// urgency, title, content, contact_phone, district, received_at,
// limit_days, external_ref, files); Internal.
func (s *Service) File(ctx context.Context, a *auth.Actor, in Intake) (*Appeal, bool, error) {
	if err := auth.AuthorizeSome(a, auth.FileAppeal); err != nil {
		return nil, false, err
	}
	now := s.now()
	f, err := s.check(ctx, a, in, now)
	if err != nil {
		return nil, false, err
	}
	return s.file(ctx, a, f, now)
}

// file writes a checked filing in one transaction of few statements (on
// SQLite shared with the intakes arriving meanwhile, see fileTx): the
// appeal row with its derived state (ON CONFLICT on the client's
// reference), its events and units each in one statement, its number,
// the audit record and the notices in one batch.
func (s *Service) file(ctx context.Context, a *auth.Actor, f *filing, now time.Time) (*Appeal, bool, error) {
	env, err := s.env(ctx)
	if err != nil {
		return nil, false, err
	}
	var entID, filedBy any
	if f.enterprise != nil {
		entID = f.enterprise.ID
	}
	if a.UserID != 0 {
		filedBy = a.UserID
	}
	p := Payload{ClassID: f.classID, LimitDays: f.LimitDays}
	if a.UnitID != nil && (a.Role == auth.RoleUnitStaff || a.Role == auth.RoleAdmin) {
		p.FirstUnit = *a.UnitID
	}
	evs := []Event{newEvent(a, KindReceived, f.received, nil, p)}
	if f.entry.UnitID != nil {
		at := now
		if at.Before(f.received) {
			at = f.received
		}
		evs = append(evs, newEvent(nil, KindDispatched, at, f.entry.UnitID,
			Payload{Auto: true, Catalogue: f.catalogue, CoUnits: f.entry.CoUnitIDs, ClassID: f.classID}))
	}
	for i := range evs {
		evs[i].Seq = i + 1
	}
	// The state does not depend on the attachments' ids, which need the
	// appeal's row: it is derived before the row is written with it.
	st := Derive(evs, env)
	if err := s.ensureNumbering(ctx, f.received); err != nil {
		return nil, false, err
	}
	var out *Appeal
	var existing int64
	err = s.fileTx(ctx, func(tx *store.Tx) error {
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO appeals (client, external_ref, channel, enterprise_id, uscc, uscc_unknown, enterprise_name,
			contact_name, contact_phone, district, category, urgency, title, content, publish, received_at, filed_by, created_at, `+
			strings.Join(stateColumns, ", ")+`) VALUES (`+store.Placeholders(18+len(stateColumns))+`)
			ON CONFLICT (client, external_ref) DO NOTHING RETURNING id`,
			append([]any{f.client, nullText(f.ExternalRef), string(f.channel), entID, nullText(f.USCC), f.unknown, f.EnterpriseName,
				f.ContactName, f.ContactPhone, f.district, f.Category, f.Urgency, f.Title, f.Content, f.Publish,
				store.Millis(f.received), filedBy, store.Millis(now)}, stateValues(&st, now)...)...).Scan(&id)
		if errors.Is(err, store.ErrNoRows) {
			if err := tx.QueryRowContext(ctx, `SELECT id FROM appeals WHERE client = ? AND external_ref = ?`, f.client, f.ExternalRef).Scan(&existing); err != nil {
				return errs.Wrap(err, "read filed appeal")
			}
			return errDuplicate
		}
		if err != nil {
			return errs.Wrap(err, "file appeal")
		}
		if len(f.Uploads) > 0 {
			ids, err := s.storeFiles(ctx, tx, a, id, 1, f.Uploads, now)
			if err != nil {
				return err
			}
			evs[0].Payload.Files = ids
		}
		if err := insertEvents(ctx, tx, id, evs); err != nil {
			return err
		}
		if err := insertUnits(ctx, tx, id, &st); err != nil {
			return err
		}
		number, err := numberAppeal(ctx, tx, id, f.received)
		if err != nil {
			return err
		}
		out = s.filed(f, id, number, st, now)
		if err := s.audit.Record(ctx, tx, "appeal", strconv.FormatInt(id, 10), "file", nil, map[string]any{
			"number": number, "channel": f.channel, "category": f.Category, "enterprise_id": entID, "status": st.Status,
			"unit_id": st.UnitID, "due_date": st.DueDate, "external_ref": f.ExternalRef}); err != nil {
			return err
		}
		ns := s.acknowledgement(a, out)
		if st.UnitID != nil {
			dispatched, err := dispatchNotices(ctx, tx, out)
			if err != nil {
				return err
			}
			ns = append(ns, dispatched...)
		}
		if err := s.send(ctx, tx, ns); err != nil {
			return err
		}
		for _, fn := range s.observe {
			if err := fn(ctx, tx, Change{After: out, Events: evs}); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errDuplicate) {
		ap, err := s.readAppeal(ctx, s.db, a, existing, nil, s.now())
		return ap, false, err
	}
	if err != nil {
		return nil, false, err
	}
	if f.enterprise != nil && f.Similar {
		if out.Similar, err = s.similar(ctx, f.enterprise.ID, out.ID, out.Title, out.Content); err != nil {
			return nil, false, err
		}
	}
	return out, true, nil
}

// Numbers: QS2026-000123, counted per year of receipt in Asia/Shanghai,
// unique across instances. On SQLite (one writer) the year's row of
// appeal_counters counts them inside the filing transaction. On
// PostgreSQL a row counter would be locked from the number to the commit
// and serialise the commits of concurrent intakes, so each year has a
// sequence (appeal_numbers_2026), created on first use starting after the
// year's counter row (the demo seed and numbers given before the
// sequences): nextval takes no lock that lasts, at the cost of a gap when
// a filing transaction fails after taking its number (never for a
// repeated reference, which is refused before). The seed advances the
// sequences past the numbers it gives.

// NumberSequence names the sequence of year's numbers (PostgreSQL).
func NumberSequence(year int) string { return fmt.Sprintf("appeal_numbers_%d", year) }

// ensureNumbering creates the sequence of the year of received if this
// instance has not seen it yet (PostgreSQL; nothing on SQLite), outside
// the filing transaction. Errors: Internal.
func (s *Service) ensureNumbering(ctx context.Context, received time.Time) error {
	if s.db.Dialect() != store.Postgres {
		return nil
	}
	year := received.In(workday.Shanghai).Year()
	if _, ok := s.numbering.Load(year); ok {
		return nil
	}
	var last int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(last), 0) FROM appeal_counters WHERE year = ?`, year).Scan(&last); err != nil {
		return errs.Wrap(err, "read the year's counter")
	}
	if _, err := s.db.ExecContext(ctx, `CREATE SEQUENCE IF NOT EXISTS `+NumberSequence(year)+` START WITH `+strconv.FormatInt(last+1, 10)); err != nil {
		// Two instances creating it at once: one of them fails on the
		// catalogue's unique index, and the sequence is there.
		var exists bool
		if e := s.db.QueryRowContext(ctx, `SELECT to_regclass(?) IS NOT NULL`, NumberSequence(year)).Scan(&exists); e != nil || !exists {
			return errs.Wrap(err, "create the year's number sequence")
		}
	}
	s.numbering.Store(year, true)
	return nil
}

// numberSequences returns the last number each year's sequence gave
// (PostgreSQL; none on SQLite). Errors: Internal.
func numberSequences(ctx context.Context, q store.Querier) (map[int]int, error) {
	out := map[int]int{}
	if q.Dialect() != store.Postgres {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT sequencename, COALESCE(last_value, start_value - 1) FROM pg_sequences
		WHERE schemaname = current_schema() AND sequencename LIKE 'appeal_numbers_%'`)
	if err != nil {
		return nil, errs.Wrap(err, "read number sequences")
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var last int
		if err := rows.Scan(&name, &last); err != nil {
			return nil, errs.Wrap(err, "read number sequences")
		}
		if y, err := strconv.Atoi(strings.TrimPrefix(name, "appeal_numbers_")); err == nil {
			out[y] = last
		}
	}
	return out, errs.Wrap(rows.Err(), "read number sequences")
}

// numberAppeal counts appeal id among those of the year received in
// Asia/Shanghai, in the filing transaction, and writes and returns its
// number (QS2026-000123): on SQLite the counter row, then the appeal; on
// PostgreSQL one statement, the sequence's next value written into the
// appeal (one round trip).
func numberAppeal(ctx context.Context, tx *store.Tx, id int64, received time.Time) (string, error) {
	year := received.In(workday.Shanghai).Year()
	if tx.Dialect() == store.Postgres {
		var number string
		err := tx.QueryRowContext(ctx, `UPDATE appeals SET number = 'QS' || ? || '-' || CASE WHEN s.n < 1000000 THEN lpad(s.n::text, 6, '0') ELSE s.n::text END
			FROM (SELECT nextval('`+NumberSequence(year)+`') AS n) s WHERE appeals.id = ? RETURNING appeals.number`, strconv.Itoa(year), id).Scan(&number)
		return number, errs.Wrap(err, "number appeal")
	}
	var n int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO appeal_counters (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = appeal_counters.last + 1 RETURNING last`, year).Scan(&n); err != nil {
		return "", errs.Wrap(err, "count appeal")
	}
	number := fmt.Sprintf("QS%d-%06d", year, n)
	if _, err := tx.ExecContext(ctx, `UPDATE appeals SET number = ? WHERE id = ?`, number, id); err != nil {
		return "", errs.Wrap(err, "number appeal")
	}
	return number, nil
}

// filed is the appeal just filed, as the acknowledgement shows it.
func (s *Service) filed(f *filing, id int64, number string, st State, now time.Time) *Appeal {
	ap := &Appeal{ID: id, Number: number, ExternalRef: f.ExternalRef, Channel: f.channel, USCC: f.USCC, USCCUnknown: f.unknown,
		EnterpriseName: f.EnterpriseName, ContactName: f.ContactName, ContactPhone: f.ContactPhone, Category: f.Category,
		Urgency: f.Urgency, Title: f.Title, Content: f.Content, Publish: f.Publish, ReceivedAt: f.received, CreatedAt: now, UpdatedAt: now, State: st}
	if f.enterprise != nil {
		id := f.enterprise.ID
		ap.EnterpriseID = &id
	}
	ap.Anonymous = ap.EnterpriseID == nil && ap.USCC == "" && ap.EnterpriseName == ""
	if f.district != nil {
		ap.District = *f.district
	}
	if st.UnitID != nil {
		ap.UnitName = f.entry.UnitName
	}
	for _, u := range st.units {
		ref := UnitRef{UnitID: u.unitID, Role: u.role, Since: local(u.since), SignDueAt: localPtr(u.signDueAt), DueDate: u.dueDate}
		switch {
		case f.entry.UnitID != nil && u.unitID == *f.entry.UnitID:
			ref.Name = f.entry.UnitName
		default:
			if i := slices.Index(f.entry.CoUnitIDs, u.unitID); i >= 0 && i < len(f.entry.CoUnitNames) {
				ref.Name = f.entry.CoUnitNames[i]
			}
		}
		ap.Units = append(ap.Units, ref)
	}
	s.decorate(ap, now)
	return ap
}

// acknowledgement is the notice that the appeal was received, with its
// number and deadlines: to the enterprise, or to the account that filed
// it when no enterprise is known (none for a token).
func (s *Service) acknowledgement(a *auth.Actor, ap *Appeal) []notify.Notification {
	body := fmt.Sprintf("诉求“%s”已受理，编号 %s。", ap.Title, ap.Number)
	if ap.SignDueAt != nil {
		body += fmt.Sprintf("承办单位将在%s前签收，", ap.SignDueAt.In(workday.Shanghai).Format("2006年1月2日15:04"))
	}
	body += fmt.Sprintf("办理时限至%s（%d个工作日）。", ap.DueDate.Chinese(), ap.LimitDays)
	n := notify.Notification{Kind: NoticeReceived, Title: "诉求已受理：" + ap.Number, Body: body, Link: fmt.Sprintf("/appeals/%d", ap.ID)}
	switch {
	case ap.EnterpriseID != nil:
		id := *ap.EnterpriseID
		n.EnterpriseID = &id
	case a.UserID != 0 && a.Role != auth.RoleEnterprise:
		id := a.UserID
		n.UserID = &id
	default:
		return nil
	}
	return []notify.Notification{n}
}

// similar returns the enterprise's open appeals (but exclude) that read
// like title and content, most alike first.
func (s *Service) similar(ctx context.Context, enterpriseID, exclude int64, title, content string) ([]Brief, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, number, title, content, status, received_at FROM appeals
		WHERE enterprise_id = ? AND id <> ? AND status NOT IN ('closed', 'merged') ORDER BY id DESC LIMIT 100`, enterpriseID, exclude)
	if err != nil {
		return nil, errs.Wrap(err, "find similar appeals")
	}
	defer rows.Close()
	want := shingles(title + " " + clip(content, 300))
	type scored struct {
		b     Brief
		score float64
	}
	var found []scored
	for rows.Next() {
		var b Brief
		var number *string
		var content, status string
		var received int64
		if err := rows.Scan(&b.ID, &number, &b.Title, &content, &status, &received); err != nil {
			return nil, errs.Wrap(err, "find similar appeals")
		}
		if number != nil {
			b.Number = *number
		}
		b.Status, b.Received = Status(status), local(store.FromMillis(received))
		score := jaccard(want, shingles(b.Title+" "+clip(content, 300)))
		if b.Title == title {
			score = 1
		}
		if score >= similarAt {
			found = append(found, scored{b, score})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "find similar appeals")
	}
	slices.SortStableFunc(found, func(x, y scored) int {
		switch {
		case x.score > y.score:
			return -1
		case x.score < y.score:
			return 1
		}
		return 0
	})
	out := []Brief{}
	for i, f := range found {
		if i == 5 {
			break
		}
		out = append(out, f.b)
	}
	return out, nil
}

// similarAt is the share of common character pairs from which two appeals
// are suggested as the same.
const similarAt = 0.3

// Similar returns the open appeals of enterprise id that read like title
// and content: what whoever files is shown before filing, to link or
// withdraw a duplicate. Those who may file for the enterprise may call it.
// Errors: Unauthenticated, Forbidden, Internal.
func (s *Service) Similar(ctx context.Context, a *auth.Actor, enterpriseID int64, title, content string) ([]Brief, error) {
	if err := auth.AuthorizeSome(a, auth.FileAppeal); err != nil {
		return nil, err
	}
	res := auth.Resource{EnterpriseID: enterpriseID}
	if s.owners != nil {
		var err error
		if res, err = s.owners.EnterpriseResource(ctx, enterpriseID); err != nil {
			return nil, err
		}
	}
	if err := auth.Authorize(a, auth.ViewAppeal, res); err != nil {
		return nil, err
	}
	if strings.TrimSpace(title+content) == "" {
		return []Brief{}, nil
	}
	return s.similar(ctx, enterpriseID, 0, title, content)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// shingles returns the set of adjacent character pairs of s, letters and
// digits only.
func shingles(s string) map[string]bool {
	var rs []rune
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, r)
		}
	}
	out := map[string]bool{}
	for i := 0; i+1 < len(rs); i++ {
		out[string(rs[i:i+2])] = true
	}
	return out
}

// jaccard is the share of common pairs.
func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common := 0
	for k := range a {
		if b[k] {
			common++
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}
