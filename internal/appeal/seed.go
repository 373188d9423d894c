package appeal

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
	"github.com/qinqing/qinqing/internal/workday"
)

// SeedOptions configure SeedHistory.
type SeedOptions struct {
	N     int   // appeals
	Seed  int64 // the same seed and N give the same appeals
	Years int   // of history before now (default 3)
	// From and Until, if set, bound when the appeals are received instead
	// of Years before now and now; their histories still run up to now.
	From, Until time.Time
}

// SeedResult says what SeedHistory wrote.
type SeedResult struct {
	Appeals int `json:"appeals"`
	Events  int `json:"events"`
	Open    int `json:"open"`
}

// seedEnterprise is an enterprise appeals are seeded for.
type seedEnterprise struct {
	id             int64
	uscc, name, dc string
}

// seedCategory is a category of the catalogue with where its appeals go.
type seedCategory struct {
	name    string
	weight  float64
	classID int64
	unit    int64
}

// The channels with their shares of the seeded appeals.
var seedChannels = []struct {
	c Channel
	w float64
}{{ChannelPortal, 45}, {ChannelHotline, 25}, {ChannelSpecialist, 12}, {ChannelVisit, 8}, {ChannelRoundtable, 4}, {ChannelAPI, 5}, {ChannelOpen311, 1}}

// The categories' shares (others: 2).
var seedCategoryWeights = map[string]float64{"政策咨询": 18, "审批服务": 15, "融资信贷": 12, "拖欠账款": 8, "水电气网": 10, "用地规划": 6,
	"用工社保": 10, "税费服务": 8, "知识产权": 3, "涉企执法": 4, "市场准入": 4}

// seedSeason is the relative volume of appeals by month (fewer around the
// Spring Festival, more in spring and autumn).
var seedSeason = [12]float64{0.8, 0.55, 1.1, 1.15, 1.1, 1.05, 0.95, 0.9, 1.1, 1.05, 1.1, 1.0}

// seedTitles are what seeded appeals are about, per category.
var seedTitles = map[string][]string{
	"政策咨询": {"申请专精特新奖励的条件", "稳岗补贴如何申报", "研发费用加计扣除政策咨询", "首台套保险补偿申报"},
	"审批服务": {"施工许可审批超时", "环评审批进度缓慢", "消防验收一直未排期", "食品经营许可证变更"},
	"融资信贷": {"贷款审批周期过长", "担保费率偏高", "应收账款质押融资难", "续贷要求重新评估"},
	"拖欠账款": {"区属国企拖欠工程款", "政府采购项目尾款未付", "街道拖欠服务费用", "质保金到期未退还"},
	"水电气网": {"厂区停电频繁", "燃气报装费用过高", "用水报装进度慢", "园区宽带未覆盖"},
	"用地规划": {"用地指标迟迟未落实", "规划调整影响扩建", "竣工验收资料要求反复", "土地证办理缓慢"},
	"用工社保": {"招工难请求对接", "社保转移接续困难", "人才公寓申请无回复", "技能培训补贴发放慢"},
	"税费服务": {"出口退税到账慢", "发票额度不够用", "多缴税款退还", "收费项目不透明"},
	"知识产权": {"商标被抢注请求维权", "专利侵权纠纷援助", "专利质押登记", "展会侵权投诉"},
	"涉企执法": {"同一事项多头检查", "处罚后信用修复", "执法标准不一", "整改期限过短"},
	"市场准入": {"经营范围登记受限", "招投标设置不合理门槛", "准营证照办理", "跨区迁移受阻"},
}

// SeedTitles returns a copy of the titles SeedHistory gives its appeals,
// per category: for benchmarks that make texts the way the seed does.
func SeedTitles() map[string][]string {
	out := make(map[string][]string, len(seedTitles))
	for c, ts := range seedTitles {
		out[c] = slices.Clone(ts)
	}
	return out
}

// SeedHistory writes n appeals with deterministic, plausible three-year
// histories for the registry's enterprises straight into the tables
// (appeals with their derived columns, appeal_events, appeal_units) in
// bulk, without the transitions' notices or audit: for benchmarks and
// demonstrations at scale. Each appeal's events are generated in order
// (received, dispatched, signed — late for some; returned once or twice,
// paused for material, answered 不属于本单位职责 and dispatched again for
// some —, replied, evaluated or 未评价, reopened after 不满意, closed, and a
// few reopened after closing) up to now, and its state is derived from
// them by Derive, so every figure can be recomputed from the events.
// Appeals are numbered in the order of their receipt, as in production
// (which also keeps the writes to the indexes by time in order: 2.7 times
// faster than random days at 150,000 appeals on SQLite). Categories the catalogue routes to no unit go to a unit chosen by the
// category's name. progress, if set, hears how many were written.
// Errors: Invalid (no enterprises or no units), Internal.
func (s *Service) SeedHistory(ctx context.Context, o SeedOptions, progress func(done int)) (*SeedResult, error) {
	if o.N <= 0 {
		return &SeedResult{}, nil
	}
	if o.Years <= 0 {
		o.Years = 3
	}
	env, err := s.env(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := s.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	ents, err := seedEnterprises(ctx, s.db)
	if err != nil {
		return nil, err
	}
	var units []int64
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM units ORDER BY id`)
	if err != nil {
		return nil, errs.Wrap(err, "read units")
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, errs.Wrap(err, "read units")
		}
		units = append(units, id)
	}
	rows.Close()
	if len(units) == 0 {
		return nil, errs.Errorf(errs.Invalid, "还没有单位：先创建单位（或 qinqing serve --demo）")
	}
	var cats []seedCategory
	for _, e := range cat.entries {
		c := seedCategory{name: e.Category, weight: 2, classID: e.ClassID}
		if w, ok := seedCategoryWeights[e.Category]; ok {
			c.weight = w
		}
		if e.UnitID != nil {
			c.unit = *e.UnitID
		} else {
			h := fnv.New32a()
			h.Write([]byte(e.Category))
			c.unit = units[int(h.Sum32())%len(units)]
		}
		cats = append(cats, c)
	}
	if len(cats) == 0 {
		return nil, errs.Errorf(errs.Invalid, "派单目录为空")
	}
	var urgent int64
	for _, k := range env.Classes {
		if k.Name == UrgencyUrgent {
			urgent = k.ID
		}
	}
	var firstID int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM appeals`).Scan(&firstID); err != nil {
		return nil, errs.Wrap(err, "read appeals")
	}
	now := s.now()
	g := &seeder{env: env, cats: cats, ents: ents, units: units, urgent: urgent, now: now, seed: o.Seed, version: cat.version, n: o.N,
		start: now.AddDate(-o.Years, 0, 0), until: now, hours: s.hours}
	if !o.From.IsZero() {
		g.start = o.From
	}
	if !o.Until.IsZero() && o.Until.Before(now) {
		g.until = o.Until
	}
	if !g.start.Before(g.until) {
		return nil, errs.Errorf(errs.Invalid, "历史数据的起止时间无效")
	}
	g.prepareDays()
	// The appeals' index by enterprise takes inserts at random places: at
	// millions of appeals it wants a page cache of its size (about 150 MB
	// at 5 M) on SQLite.
	restore, err := s.db.BulkWrites(ctx, 4*store.BulkCacheKiB)
	if err != nil {
		return nil, err
	}
	defer restore()
	// Generate (and derive) on every core, write in order on one
	// connection: batches of 500 appeals a transaction.
	const batch = 500
	nb := (o.N + batch - 1) / batch
	results := make([]chan []seeded, nb)
	for i := range results {
		results[i] = make(chan []seeded, 1)
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				from := b * batch
				out := make([]seeded, 0, batch)
				for i := from; i < min(from+batch, o.N); i++ {
					out = append(out, g.appeal(i))
				}
				results[b] <- out
			}
		}()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// At most 8 batches are generated ahead of the writer.
	ahead := make(chan struct{}, 8)
	go func() {
		defer close(work)
		for b := range nb {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case work <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	res := &SeedResult{}
	counters := map[int]int{}
	crows, err := s.db.QueryContext(ctx, `SELECT year, last FROM appeal_counters`)
	if err != nil {
		return nil, errs.Wrap(err, "read counters")
	}
	for crows.Next() {
		var y, l int
		if err := crows.Scan(&y, &l); err != nil {
			crows.Close()
			return nil, errs.Wrap(err, "read counters")
		}
		counters[y] = l
	}
	crows.Close()
	seqs, err := numberSequences(ctx, s.db)
	if err != nil {
		return nil, err
	}
	for y, l := range seqs {
		counters[y] = max(counters[y], l)
	}
	for b := range nb {
		var items []seeded
		select {
		case items = <-results[b]:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			return writeSeeded(ctx, tx, items, firstID+int64(b*batch), counters, now, o.Seed)
		})
		<-ahead
		if err != nil {
			cancel()
			wg.Wait()
			return res, err
		}
		for _, it := range items {
			res.Appeals++
			res.Events += len(it.events)
			if it.st.Status.Open() {
				res.Open++
			}
		}
		if progress != nil {
			progress(res.Appeals)
		}
	}
	wg.Wait()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		for y, l := range counters {
			if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_counters (year, last) VALUES (?, ?)
				ON CONFLICT (year) DO UPDATE SET last = excluded.last`, y, l); err != nil {
				return errs.Wrap(err, "write counters")
			}
		}
		for y := range seqs {
			if _, err := tx.ExecContext(ctx, `SELECT setval('`+NumberSequence(y)+`', ?)`, counters[y]); err != nil {
				return errs.Wrap(err, "advance numbers")
			}
		}
		if tx.Dialect() == store.Postgres {
			for _, t := range []string{"appeals", "appeal_events"} {
				if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT MAX(id) FROM `+t+`))`); err != nil {
					return errs.Wrap(err, "advance ids")
				}
			}
		}
		return nil
	})
	return res, err
}

func seedEnterprises(ctx context.Context, db *store.DB) ([]seedEnterprise, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, uscc, name, COALESCE(district, '') FROM enterprises ORDER BY id LIMIT 200000`)
	if err != nil {
		return nil, errs.Wrap(err, "read enterprises")
	}
	defer rows.Close()
	var out []seedEnterprise
	for rows.Next() {
		var e seedEnterprise
		if err := rows.Scan(&e.id, &e.uscc, &e.name, &e.dc); err != nil {
			return nil, errs.Wrap(err, "read enterprises")
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(err, "read enterprises")
	}
	if len(out) == 0 {
		return nil, errs.Errorf(errs.Invalid, "登记库中还没有企业：先运行 qinqing seed city")
	}
	return out, nil
}

// seeder generates appeal histories.
type seeder struct {
	env     Env
	hours   workday.Hours
	cats    []seedCategory
	ents    []seedEnterprise
	units   []int64
	urgent  int64
	now     time.Time
	start   time.Time // appeals are received from start to until
	until   time.Time
	seed    int64
	version int
	n       int            // appeals to generate
	days    []workday.Date // the days of the history
	cum     []float64      // their cumulative weights
}

// dayAt returns the index of the day at quantile q (0 ≤ q < 1) of the
// days' cumulative weights.
func (g *seeder) dayAt(q float64) int {
	u := q * g.cum[len(g.cum)-1]
	return min(sort.SearchFloat64s(g.cum, u), len(g.cum)-1)
}

// prepareDays weighs the days of the history: seasonality, growth over
// the years, weekends a quarter of a working day.
func (g *seeder) prepareDays() {
	first, last := workday.DateOf(g.start), workday.DateOf(g.until)
	total := float64(last - first + 1)
	var sum float64
	for d := first; d <= last; d++ {
		_, m, _ := d.YMD()
		w := seedSeason[m-1] * (0.7 + 0.6*float64(d-first)/total)
		if !g.env.Calendar.IsWorkday(d) {
			w *= 0.25
		}
		sum += w
		g.days = append(g.days, d)
		g.cum = append(g.cum, sum)
	}
}

// seeded is one generated appeal.
type seeded struct {
	i      int
	ent    *seedEnterprise
	anon   bool
	ch     Channel
	cat    *seedCategory
	urgent bool
	title  string
	events []Event
	st     State
}

func (g *seeder) appeal(i int) seeded {
	r := rand.New(rand.NewPCG(uint64(g.seed), uint64(i)*0x9e3779b97f4a7c15+1))
	// Appeals are generated in the order of their receipt, as ids and
	// numbers are given in production: appeal i falls at the i-th quantile
	// of the days' weights.
	day := g.days[g.dayAt((float64(i)+r.Float64())/float64(g.n))]
	minute := 8*60 + r.IntN(11*60)
	received := day.Start().Add(time.Duration(minute)*time.Minute + time.Duration(r.IntN(60))*time.Second)
	// A receipt later in the day than the window's end moves to the day
	// before at the same hour, so receipts keep office-like hours.
	for received.After(g.until) {
		received = received.AddDate(0, 0, -1)
	}
	if received.Before(g.start) {
		received = g.start
	}
	var chw, catw float64
	for _, c := range seedChannels {
		chw += c.w
	}
	u := r.Float64() * chw
	ch := seedChannels[0].c
	for _, c := range seedChannels {
		if u < c.w {
			ch = c.c
			break
		}
		u -= c.w
	}
	for _, c := range g.cats {
		catw += c.weight
	}
	u = r.Float64() * catw
	cat := &g.cats[0]
	for j := range g.cats {
		if u < g.cats[j].weight {
			cat = &g.cats[j]
			break
		}
		u -= g.cats[j].weight
	}
	sd := seeded{i: i, ch: ch, cat: cat, ent: &g.ents[r.IntN(len(g.ents))]}
	sd.anon = ch == ChannelHotline && r.Float64() < 0.05
	sd.urgent = r.Float64() < 0.08 && g.urgent != 0
	titles := seedTitles[cat.name]
	if len(titles) == 0 {
		titles = []string{"其他诉求"}
	}
	sd.title = titles[r.IntN(len(titles))]
	cal, hours := g.env.Calendar, g.hours
	class := cat.classID
	if sd.urgent {
		class = g.urgent
	}
	unit := cat.unit
	var evs []Event
	stop := false
	add := func(kind Kind, at time.Time, unitID int64, p Payload) {
		if stop || at.After(g.now) {
			stop = true
			return
		}
		ev := Event{Seq: len(evs) + 1, Kind: kind, At: at.UTC().Truncate(time.Millisecond), Payload: p, Actor: "seed", ActorName: "历史数据"}
		if unitID != 0 {
			u := unitID
			ev.UnitID = &u
		}
		evs = append(evs, ev)
	}
	workHours := func(from time.Time, h float64) time.Time {
		return cal.AddWorkingHours(from, time.Duration(h*float64(time.Hour)), hours)
	}
	onDay := func(d workday.Date) time.Time {
		return d.Start().Add(time.Duration(9*60+r.IntN(8*60)) * time.Minute)
	}
	otherUnit := func() int64 {
		o := g.units[r.IntN(len(g.units))]
		if o == unit && len(g.units) > 1 {
			o = g.units[(r.IntN(len(g.units)-1)+1+indexOf(g.units, unit))%len(g.units)]
		}
		return o
	}
	add(KindReceived, received, 0, Payload{ClassID: class})
	t := received
	add(KindDispatched, t, unit, Payload{ClassID: class, Catalogue: g.version, Auto: true})
	// Returned once (4 %) or twice (0.5 %): back to the office, which
	// dispatches again after a couple of hours.
	returns := 0
	if x := r.Float64(); x < 0.005 {
		returns = 2
	} else if x < 0.045 {
		returns = 1
	}
	for range returns {
		t = workHours(t, 0.5+r.Float64()*2)
		add(KindReturned, t, unit, Payload{Reason: "不属于本单位职责范围"})
		unit = otherUnit()
		t = workHours(t, 0.5+r.Float64()*3)
		add(KindDispatched, t, unit, Payload{ClassID: class})
	}
	// Signed: within the limit mostly, late for 8 %.
	signH := 0.1 + r.Float64()*2.5
	if r.Float64() < 0.08 {
		signH = 4.5 + r.Float64()*12
	}
	t = workHours(t, signH)
	add(KindSigned, t, unit, Payload{})
	// Paused for material (6 %).
	if r.Float64() < 0.06 {
		t = workHours(t, 3+r.Float64()*7)
		add(KindPaused, t, unit, Payload{Reason: "请补充相关材料"})
		t = workHours(t, 7*(1+r.Float64()*5))
		add(KindSupplied, t, 0, Payload{Note: "已补充材料"})
	}
	reply := func(from time.Time, median float64) {
		d := int(math.Round(math.Exp(math.Log(median) + 0.6*r.NormFloat64())))
		d = max(0, min(d, 25))
		at := onDay(cal.AddWorkdays(workday.DateOf(from), d))
		if !at.After(from) {
			at = from.Add(time.Duration(30+r.IntN(240)) * time.Minute)
		}
		t = at
	}
	result := func() string {
		switch x := r.Float64(); {
		case x < 0.75:
			return ResultSolved
		case x < 0.97:
			return ResultExplained
		}
		return ResultNotOurs
	}
	reply(t, 2.5)
	res := result()
	if res == ResultNotOurs {
		add(KindReplied, t, unit, Payload{Result: ResultNotOurs, RightUnit: "另一单位", Measures: "经核实不属于本单位职责"})
		unit = otherUnit()
		t = workHours(t, 1+r.Float64()*4)
		add(KindDispatched, t, unit, Payload{ClassID: class})
		t = workHours(t, 0.2+r.Float64()*2)
		add(KindSigned, t, unit, Payload{})
		reply(t, 2)
		res = ResultSolved
	}
	add(KindReplied, t, unit, Payload{Result: res, Measures: "已按规定办理并答复企业"})
	evaluate := func(first bool) {
		evalDays := 5
		if k, ok := g.env.Classes[class]; ok {
			evalDays = k.EvalDays
		}
		due := cal.AddWorkdays(workday.DateOf(t), evalDays)
		x := r.Float64()
		unsat := 0.05
		if !first {
			unsat = 0.02
		}
		switch {
		case x < 0.10:
			t = due.AddDays(1).Start().Add(time.Hour)
			add(KindEvaluationExpired, t, 0, Payload{})
			return
		case x < 0.10+unsat:
			t = onDay(cal.AddWorkdays(workday.DateOf(t), 1+r.IntN(evalDays)))
			add(KindEvaluated, t, 0, Payload{Rating: RatingUnsatisfied, Note: "问题没有解决"})
			add(KindReopened, t, unit, Payload{Reason: "企业不满意：问题没有解决"})
			reply(t, 2)
			add(KindReplied, t, unit, Payload{Result: ResultSolved, Measures: "重新办理"})
			t = onDay(cal.AddWorkdays(workday.DateOf(t), 1+r.IntN(3)))
			switch y := r.Float64(); {
			case y < 0.35:
				// Still 不满意: the office reviews it and closes it.
				add(KindEvaluated, t, 0, Payload{Rating: RatingUnsatisfied, Note: "仍未解决"})
				add(KindReopened, t, unit, Payload{Reason: "企业不满意：仍未解决"})
			case y < 0.6:
				add(KindEvaluated, t, 0, Payload{Rating: RatingBasic})
			default:
				add(KindEvaluated, t, 0, Payload{Rating: RatingSatisfied})
			}
			return
		}
		rating := RatingSatisfied
		if x > 0.82 {
			rating = RatingBasic
		}
		t = onDay(cal.AddWorkdays(workday.DateOf(t), r.IntN(evalDays+1)))
		add(KindEvaluated, t, 0, Payload{Rating: rating})
	}
	evaluate(true)
	// Closed by the office within a few working days, except a few left
	// open (the office's backlog).
	if r.Float64() < 0.997 {
		t = onDay(cal.AddWorkdays(workday.DateOf(t), 1+r.IntN(3)))
		add(KindClosed, t, 0, Payload{})
		// Reopened after closing by the office (1 %).
		if r.Float64() < 0.01 {
			t = onDay(cal.AddWorkdays(workday.DateOf(t), 5+r.IntN(15)))
			add(KindReopened, t, unit, Payload{Reason: "回访发现问题反弹"})
			reply(t, 3)
			add(KindReplied, t, unit, Payload{Result: ResultSolved, Measures: "再次办理"})
			evaluate(false)
			t = onDay(cal.AddWorkdays(workday.DateOf(t), 1+r.IntN(3)))
			add(KindClosed, t, 0, Payload{})
		}
	}
	sd.events = evs
	sd.st = Derive(evs, g.env)
	return sd
}

func indexOf(xs []int64, x int64) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}

// seedAppealColumns are the columns SeedHistory writes.
const seedAppealColumns = `id, number, client, external_ref, channel, enterprise_id, uscc, enterprise_name, contact_name, contact_phone, district,
	category, urgency, title, content, publish, received_at, created_at, status, unit_id, catalogue_version, sla_class_id, sign_due_at,
	signed_at, signed_on_time, limit_days, due_date, warn_date, paused_ms, extension_days, returns, reopens, transfers, escalated, replies,
	first_reply_at, replied_at, replied_on_time, reply_result, suggested_unit, evaluation, eval_due_date, evaluated_at, closed_at, first_time,
	last_seq, updated_at`

// writeSeeded inserts a batch of generated appeals from id on.
func writeSeeded(ctx context.Context, tx *store.Tx, items []seeded, id int64, counters map[int]int, now time.Time, seed int64) error {
	ncols := strings.Count(seedAppealColumns, ",") + 1
	const perStmt = 400
	for start := 0; start < len(items); start += perStmt {
		part := items[start:min(start+perStmt, len(items))]
		rows := make([]string, len(part))
		args := make([]any, 0, len(part)*ncols)
		for k, it := range part {
			rows[k] = "(" + store.Placeholders(ncols) + ")"
			st := &it.st
			year := it.events[0].At.In(workday.Shanghai).Year()
			counters[year]++
			number := fmt.Sprintf("QS%d-%06d", year, counters[year])
			var ent, uscc, district any
			name := ""
			if !it.anon {
				ent, uscc, name = it.ent.id, it.ent.uscc, it.ent.name
				if it.ent.dc != "" {
					district = it.ent.dc
				}
			}
			urgency := UrgencyNormal
			if it.urgent {
				urgency = UrgencyUrgent
			}
			received := store.Millis(it.events[0].At)
			args = append(args, id+int64(start+k), number, fmt.Sprintf("seed:%d", seed), fmt.Sprintf("seed-%d", id+int64(start+k)), string(it.ch), ent, uscc, name,
				"联系人", "027-80000000", district, it.cat.name, urgency, it.title, it.title+"，请相关部门协调解决。", it.i%3 == 0, received, received,
				string(st.Status), st.UnitID, nullInt(st.CatalogueVersion), nullInt64(st.ClassID), nullMillis(st.SignDueAt), nullMillis(st.SignedAt),
				nullBool(st.SignedOnTime), st.LimitDays, st.DueDate.String(), st.WarnDate.String(), st.PausedWork.Milliseconds(), st.ExtensionDays,
				st.Returns, st.Reopens, st.Transfers, st.Escalated, st.Replies, nullMillis(st.FirstReplyAt), nullMillis(st.RepliedAt),
				nullBool(st.RepliedOnTime), nullText(st.ReplyResult), nullText(st.SuggestedUnit), nullText(st.Evaluation), nullDate(st.EvalDueDate),
				nullMillis(st.EvaluatedAt), nullMillis(st.ClosedAt), nullBool(st.FirstTime), st.LastSeq, store.Millis(now))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appeals (`+seedAppealColumns+`) VALUES `+strings.Join(rows, ", "), args...); err != nil {
			return errs.Wrap(err, "write seeded appeals")
		}
	}
	// Events, 1,000 a statement; the units the appeals are with.
	var evRows []string
	var evArgs []any
	flush := func() error {
		if len(evRows) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO appeal_events (appeal_id, seq, kind, at, actor, actor_name, unit_id, payload) VALUES `+
			strings.Join(evRows, ", "), evArgs...)
		evRows, evArgs = evRows[:0], evArgs[:0]
		return errs.Wrap(err, "write seeded events")
	}
	var unitRows []string
	var unitArgs []any
	for k, it := range items {
		aid := id + int64(k)
		for _, ev := range it.events {
			evRows = append(evRows, "(?, ?, ?, ?, ?, ?, ?, ?)")
			evArgs = append(evArgs, aid, ev.Seq, string(ev.Kind), store.Millis(ev.At), ev.Actor, ev.ActorName, ev.UnitID, ev.Payload.marshal())
			if len(evRows) == 1000 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		for _, u := range it.st.units {
			unitRows = append(unitRows, "(?, ?, ?, ?, ?, ?, ?)")
			unitArgs = append(unitArgs, aid, u.unitID, u.role, store.Millis(u.since), nullMillis(u.signDueAt), nullMillis(u.signedAt), nullDate(u.dueDate))
		}
	}
	if err := flush(); err != nil {
		return err
	}
	for start := 0; start < len(unitRows); start += 1000 {
		end := min(start+1000, len(unitRows))
		if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_units (appeal_id, unit_id, role, since, sign_due_at, signed_at, due_date) VALUES `+
			strings.Join(unitRows[start:end], ", "), unitArgs[start*7:end*7]...); err != nil {
			return errs.Wrap(err, "write seeded appeal units")
		}
	}
	return nil
}
