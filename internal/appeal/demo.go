package appeal

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/enterprise"
	"github.com/qinqing/qinqing/internal/workday"
)

// DemoInput is what the demo data of appeals is built from: the demo's
// units and accounts, the demo enterprise account's enterprise, the
// enterprises the demo specialist looks after, and other enterprises.
type DemoInput struct {
	Unit        func(name string) *int64          // a unit by name; nil when missing
	Account     func(username string) *auth.Actor // a demo account; nil when missing
	Own         int64                             // the demo enterprise account's enterprise
	Specialists []int64                           // enterprises of the demo specialist
	Others      []int64                           // other enterprises, at least 16
	Hongshan    []int64                           // enterprises in 洪山区, at least 2 (else Others serve)
}

// demoCatalogue routes the catalogue's categories to the demo city's units.
var demoCatalogue = []struct {
	code, unit string
	co         []string
}{
	{"policy", "市发展和改革委员会", nil},
	{"approval", "市政务服务中心", []string{"市自然资源和城乡建设局"}},
	{"finance", "中共武汉市委金融委员会办公室", []string{"中国人民银行湖北省分行"}},
	{"arrears", "市发展和改革委员会", []string{"市财政局"}},
	{"utilities", "市发展和改革委员会", nil},
	{"land", "市自然资源和城乡建设局", nil},
	{"labor", "市人力资源和社会保障局", nil},
	{"tax", "国家税务总局武汉市税务局", nil},
	{"ip", "市市场监督管理局", nil},
	{"enforcement", "市司法局", nil},
	{"market", "市市场监督管理局", nil},
}

// demo collects a history's steps, then takes them in the order of
// their instants (so appeals are numbered as they were received), each on
// the service as it ran at that instant; the first error stops it.
type demo struct {
	s     *Service
	ctx   context.Context
	in    DemoInput
	today workday.Date
	err   error
	ops   []demoOp
}

// demoOp is one step of the history.
type demoOp struct {
	at  time.Time
	run func(s *Service) error
}

// when is the instant n working days before today at clock (HH:MM).
func (d *demo) when(n int, clock string) time.Time {
	var h, m int
	fmt.Sscanf(clock, "%d:%d", &h, &m)
	return d.s.cal.AddWorkdays(d.today, -n).Start().Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// file files in by who, n working days ago at clock; the number is known
// once the step ran.
func (d *demo) file(n int, clock string, who *auth.Actor, in Intake) *string {
	ref := new(string)
	d.ops = append(d.ops, demoOp{d.when(n, clock), func(s *Service) error {
		ap, _, err := s.File(d.ctx, who, in)
		if err != nil {
			return fmt.Errorf("demo appeal %q: %w", in.Title, err)
		}
		*ref = ap.Number
		return nil
	}})
	return ref
}

// step takes a transition of appeal ref n working days ago at clock.
func (d *demo) step(n int, clock string, ref *string, fn func(s *Service, ref string) (*Appeal, error)) {
	at := d.when(n, clock)
	d.ops = append(d.ops, demoOp{at, func(s *Service) error {
		if _, err := fn(s, *ref); err != nil {
			return fmt.Errorf("demo step on %s at %s: %w", *ref, at.In(workday.Shanghai).Format("01-02 15:04"), err)
		}
		return nil
	}})
}

// run takes the steps in order.
func (d *demo) run() error {
	slices.SortStableFunc(d.ops, func(a, b demoOp) int { return a.at.Compare(b.at) })
	for _, op := range d.ops {
		if d.err != nil {
			return d.err
		}
		if err := op.run(d.s.at(op.at)); err != nil {
			return err
		}
	}
	return d.err
}

// unit is the actor of a unit's staff: its demo account when there is one,
// else its desk.
func (d *demo) unit(name string) *auth.Actor {
	for _, acc := range []string{"fgw", "hongshan"} {
		if a := d.in.Account(acc); a != nil && a.UnitID != nil {
			if id := d.in.Unit(name); id != nil && *id == *a.UnitID {
				return a
			}
		}
	}
	id := d.in.Unit(name)
	if id == nil {
		d.err = fmt.Errorf("demo unit %s missing", name)
		return &auth.Actor{Name: "demo", Role: auth.RoleUnitStaff}
	}
	return &auth.Actor{Name: "demo", DisplayName: name + " 经办人", Role: auth.RoleUnitStaff, UnitID: id}
}

// LoadDemo fills the demo with the catalogue routed to the demo city's
// units and about forty appeals in every state, with the histories that
// make every page and light meaningful (on time, 临期, 超期, unsigned,
// paused, extended, transferred, returned twice, reopened after 不满意,
// 未评价, merged, linked, 催办/督办), each step taken through the domain at
// its instant on the demo's clock. Errors: those of the steps.
func (s *Service) LoadDemo(ctx context.Context, in DemoInput) error {
	op := auth.Operator("demo")
	for _, c := range demoCatalogue {
		unit := in.Unit(c.unit)
		if unit == nil {
			return fmt.Errorf("demo catalogue: unit %s missing", c.unit)
		}
		cat, err := s.catalogue(ctx)
		if err != nil {
			return err
		}
		e, ok := cat.byCode[c.code]
		if !ok {
			return fmt.Errorf("demo catalogue: no category %s", c.code)
		}
		var co []int64
		for _, name := range c.co {
			if id := in.Unit(name); id != nil {
				co = append(co, *id)
			}
		}
		if _, err := s.SaveEntry(ctx, op, EntryInput{Code: e.Code, Category: e.Category, Group: e.Group, Description: e.Description,
			UnitID: *unit, CoUnitIDs: co, ClassID: e.ClassID, Sort: e.Sort, Note: "演示：" + e.Category + "派往" + c.unit}); err != nil {
			return fmt.Errorf("demo catalogue %s: %w", c.code, err)
		}
	}
	if len(in.Others) < 16 {
		return fmt.Errorf("demo appeals need 16 enterprises, got %d", len(in.Others))
	}
	if len(in.Hongshan) < 2 {
		in.Hongshan = in.Others[14:16]
	}
	admin, ent, sp := in.Account("admin"), in.Account("enterprise"), in.Account("specialist")
	if admin == nil || ent == nil || sp == nil {
		return fmt.Errorf("demo appeals: the admin, enterprise and specialist accounts are needed")
	}
	d := &demo{s: s, ctx: ctx, in: in, today: workday.Today(s.now)}
	o := in.Others
	uscc := func(id int64) string {
		r, err := s.registry.RefByID(ctx, id)
		if err != nil {
			d.err = err
			return ""
		}
		return r.USCC
	}
	note := NoteInput{}
	sign := func(n int, clock string, ref *string, unit string) {
		d.step(n, clock, ref, func(s *Service, ref string) (*Appeal, error) { return s.Sign(ctx, d.unit(unit), ref, note) })
	}
	reply := func(n int, clock string, ref *string, unit, result, measures string) {
		d.step(n, clock, ref, func(s *Service, ref string) (*Appeal, error) {
			return s.Reply(ctx, d.unit(unit), ref, ReplyInput{Result: result, Measures: measures})
		})
	}
	evaluate := func(n int, clock string, who *auth.Actor, ref *string, rating, comment string) {
		d.step(n, clock, ref, func(s *Service, ref string) (*Appeal, error) {
			return s.Evaluate(ctx, who, ref, EvaluateInput{Rating: rating, Comment: comment})
		})
	}
	closeIt := func(n int, clock string, ref *string) {
		d.step(n, clock, ref, func(s *Service, ref string) (*Appeal, error) { return s.Close(ctx, admin, ref, note) })
	}
	dispatch := func(n int, clock string, ref *string, unit string, co ...string) {
		d.step(n, clock, ref, func(s *Service, ref string) (*Appeal, error) {
			return s.Dispatch(ctx, admin, ref, DispatchInput{Unit: unit, CoUnits: co})
		})
	}

	// The demo enterprise's own appeals: one to evaluate, one waiting for
	// its material, one 临期 (urgent), one closed at once.
	a := d.file(8, "10:12", ent, Intake{Category: "政策咨询", Title: "研发费用加计扣除如何申报", Publish: true, ContactName: "赵经理", ContactPhone: "13871234567",
		Content: "我司今年研发投入增加较多，想了解研发费用加计扣除的申报条件、时间和需要准备的材料，以及能否按季度预缴时享受。"})
	sign(8, "11:00", a, "市发展和改革委员会")
	reply(7, "15:20", a, "市发展和改革委员会", ResultExplained, "已电话联系企业财务负责人，说明研发费用加计扣除按年度汇算清缴时享受，预缴申报时可按规定提前享受前三季度优惠；已发送申报指引和辅助账样表。")
	evaluate(6, "09:40", ent, a, RatingSatisfied, "解答清楚，谢谢")
	closeIt(6, "11:00", a)
	a = d.file(4, "09:40", ent, Intake{Category: "审批服务", Title: "新厂房施工许可审批超时", Publish: true, ContactName: "赵经理", ContactPhone: "13871234567",
		Content: "我司在东湖高新区的新厂房项目已提交施工许可申请二十个工作日，系统一直显示“审查中”，影响设备进场和开工计划，请协调加快办理。"})
	sign(4, "10:30", a, "市政务服务中心")
	sign(4, "11:15", a, "市自然资源和城乡建设局")
	d.step(3, "11:00", a, func(s *Service, a string) (*Appeal, error) {
		return s.Pause(ctx, d.unit("市政务服务中心"), a, ReasonInput{Reason: "请补充经审查合格的施工图设计文件和消防设计审查意见书扫描件。"})
	})
	a = d.file(5, "14:00", ent, Intake{Category: "水电气网", Title: "园区用电增容报装进度", ContactName: "赵经理", ContactPhone: "13871234567",
		Content: "新增两条生产线需要用电增容至2000千伏安，报装已一个月，供电方案仍未答复。"})
	sign(5, "15:00", a, "市发展和改革委员会")
	reply(1, "10:00", a, "市发展和改革委员会", ResultSolved, "已协调供电公司现场勘查并出具供电方案，预计三周内完成送电，供电公司客户经理已与企业对接。")
	a = d.file(1, "16:00", ent, Intake{Category: "涉企执法", Urgency: UrgencyUrgent, Title: "公司账户被误冻结影响发放工资", ContactName: "赵经理", ContactPhone: "13871234567",
		Content: "因一起已和解的合同纠纷，公司基本户被冻结，月底需发放工资，请协调尽快核实解冻。"})
	sign(1, "16:20", a, "市司法局")

	// The specialist files for the enterprises they look after (代提).
	if len(in.Specialists) > 1 {
		a = d.file(6, "10:00", sp, Intake{EnterpriseID: in.Specialists[0], Channel: string(ChannelVisit), Category: "融资信贷",
			Title: "小微企业担保贷款额度不足", Content: "走访时企业反映：订单增加需流动资金500万元，现有担保额度仅200万元，希望协调政府性融资担保机构提高额度。"})
		sign(6, "11:00", a, "中共武汉市委金融委员会办公室")
		d.step(2, "10:00", a, func(s *Service, a string) (*Appeal, error) {
			return s.Extend(ctx, d.unit("中共武汉市委金融委员会办公室"), a, ExtendInput{Days: 3, Reason: "需与担保公司和合作银行三方会商授信方案"})
		})
		a = d.file(11, "09:30", sp, Intake{EnterpriseID: in.Specialists[1], Category: "用工社保",
			Title: "招工难，希望对接高校毕业生", Content: "企业每年需招收机电类技术工人30名，希望对接本地高校和职业院校的毕业生资源。"})
		sign(11, "10:00", a, "市人力资源和社会保障局")
		reply(9, "14:00", a, "市人力资源和社会保障局", ResultSolved, "已将企业岗位需求纳入春季校园招聘专场，并推荐两所职业院校开展订单式培养。")
		d.step(2, "09:00", a, func(s *Service, a string) (*Appeal, error) {
			_, err := s.ExpireEvaluations(ctx)
			return nil, err
		})
	}

	// The office's console: every state and light.
	a = d.file(7, "10:00", admin, Intake{EnterpriseID: o[0], Channel: string(ChannelRoundtable), Category: "市场准入",
		Title: "企业开办“一网通办”系统经常卡顿", Content: "政企圆桌会上企业反映：企业开办一网通办系统在工作日上午经常卡顿，提交材料多次失败。"})
	sign(7, "11:00", a, "市市场监督管理局")
	a = d.file(3, "14:30", admin, Intake{USCC: uscc(o[1]), Channel: string(ChannelHotline), Category: "其他",
		Title: "物流园区门前道路破损影响通行", Content: "12345热线来电：园区门前道路多处坑洼，货车通行困难，雨天积水严重。", ContactName: "孙先生", ContactPhone: "13507120000"})
	dispatch(3, "15:00", a, "洪山区人民政府")
	d.file(1, "11:20", admin, Intake{Channel: string(ChannelHotline), Category: "其他", Title: "工地夜间施工扰民",
		Content: "12345热线来电（匿名）：附近工地连续多日夜间十一点后仍在施工，影响周边企业员工休息。"})
	a = d.file(6, "09:10", admin, Intake{USCC: uscc(o[2]), Channel: string(ChannelHotline), Category: "其他", Title: "写字楼物业乱收费",
		Content: "企业反映所在写字楼物业以“公共能耗分摊”名义额外收费，缺少依据。"})
	dispatch(6, "10:00", a, "市发展和改革委员会")
	d.step(6, "11:00", a, func(s *Service, a string) (*Appeal, error) {
		return s.Return(ctx, d.unit("市发展和改革委员会"), a, ReasonInput{Reason: "物业收费属市场监管部门价格监管职责"})
	})
	dispatch(5, "09:30", a, "市市场监督管理局")
	d.step(5, "10:30", a, func(s *Service, a string) (*Appeal, error) {
		return s.Return(ctx, d.unit("市市场监督管理局"), a, ReasonInput{Reason: "物业服务合同纠纷属住房部门管理"})
	})
	a = d.file(4, "10:00", admin, Intake{EnterpriseID: o[3], Channel: string(ChannelVisit), Category: "税费服务",
		Title: "外贸企业出口退税慢", Content: "走访中企业反映出口退税平均到账时间超过二十个工作日，资金周转压力大。"})
	sign(4, "10:40", a, "国家税务总局武汉市税务局")
	d.step(3, "10:00", a, func(s *Service, a string) (*Appeal, error) {
		return s.Transfer(ctx, d.unit("国家税务总局武汉市税务局"), a, TransferInput{Unit: "市商务局", Reason: "企业出口备案信息不全，需商务部门先行核实"})
	})
	sign(3, "11:00", a, "市商务局")
	a = d.file(14, "10:00", admin, Intake{EnterpriseID: o[4], Channel: string(ChannelRoundtable), Category: "拖欠账款",
		Title: "国有企业拖欠货款", Content: "企业为某区属国有企业供货，货款120万元逾期八个月未付。"})
	sign(14, "11:00", a, "市发展和改革委员会")
	sign(14, "14:00", a, "市财政局")
	reply(12, "16:00", a, "市发展和改革委员会", ResultSolved, "已督促欠款单位制定还款计划，首笔40万元已支付。")
	evaluate(11, "10:00", admin, a, RatingUnsatisfied, "企业回访：仅支付三分之一，余款无明确时间")
	reply(9, "15:00", a, "市发展和改革委员会", ResultSolved, "欠款单位已签订还款承诺书，余款80万元已于本周全部支付到账。")
	evaluate(8, "10:00", admin, a, RatingBasic, "企业回访：款已到账，基本满意")
	closeIt(8, "14:00", a)
	a = d.file(6, "15:00", admin, Intake{EnterpriseID: o[5], Channel: string(ChannelVisit), Category: "知识产权",
		Title: "商标被恶意抢注，请求维权援助", Content: "企业主打产品商标在外省被抢注，请求知识产权维权援助。"})
	sign(6, "15:30", a, "市市场监督管理局")
	reply(3, "10:00", a, "市市场监督管理局", ResultSolved, "已安排维权援助中心律师对接，指导企业提出商标无效宣告申请。")
	evaluate(2, "11:00", admin, a, RatingSatisfied, "企业回访：满意")
	// Two of one enterprise about one problem: merged; a third, of another
	// enterprise, linked.
	first := d.file(2, "09:30", admin, Intake{EnterpriseID: o[6], Channel: string(ChannelHotline), Category: "用地规划",
		Title: "园区停车位严重不足", Content: "园区企业员工停车难，周边道路违停被频繁处罚，希望规划建设停车场。"})
	dup := d.file(2, "10:30", admin, Intake{EnterpriseID: o[6], Channel: string(ChannelHotline), Category: "用地规划",
		Title: "园区停车位不足问题", Content: "再次反映园区停车位不足，员工上下班停车困难。"})
	d.step(2, "11:00", dup, func(s *Service, ref string) (*Appeal, error) {
		return s.Merge(ctx, admin, ref, LinkInput{Target: *first, Note: "同一企业重复反映同一事项"})
	})
	other := d.file(2, "14:00", admin, Intake{EnterpriseID: o[7], Channel: string(ChannelHotline), Category: "用地规划",
		Title: "园区周边停车难", Content: "同园区另一家企业反映员工停车难。"})
	d.step(2, "14:30", other, func(s *Service, ref string) (*Appeal, error) {
		return s.Link(ctx, admin, ref, LinkInput{Target: *first, Note: "同一园区同一问题，随主诉求办理"})
	})
	// Three problems many enterprises raise in their own words, for the
	// analysis (同类诉求聚类, 诉求热点) and the 问题清单: parking in 光谷软件园,
	// slow settlement of electricity bills in an 江夏 park, hiring in 汉阳.
	// Some enterprises agreed to publication, for the public board.
	for i, c := range demoClusters {
		n := 3 + i%9
		d.file(n, fmt.Sprintf("%02d:%02d", 9+i%8, 5*(i%12)), admin, Intake{EnterpriseID: o[(16+i)%len(o)], Channel: c.channel, Category: c.category,
			District: c.district, Title: c.title, Content: c.content, Publish: c.publish})
	}
	// A valid credit code the registry does not know yet, kept and flagged.
	if code, err := demoUnknownCode(); err == nil {
		d.file(1, "10:10", admin, Intake{USCC: code, EnterpriseName: "武汉江城新材料有限公司", Channel: string(ChannelHotline),
			Category: "政策咨询", Title: "新设企业能否申报稳岗补贴", Content: "新注册企业咨询稳岗补贴的申报条件。"})
	}
	// The district's own: 洪山区 handles one, its market regulator another.
	a = d.file(5, "10:00", admin, Intake{EnterpriseID: in.Hongshan[0], Channel: string(ChannelRoundtable), Category: "其他",
		Title: "光谷科技园区公交线路不足", Content: "园区企业反映通勤公交班次少，高峰期候车超过40分钟。"})
	dispatch(5, "10:30", a, "洪山区人民政府")
	sign(5, "11:00", a, "洪山区人民政府")
	reply(2, "15:00", a, "洪山区人民政府", ResultExplained, "已向市交通部门提出加密班次建议，下月起高峰期加开两班区间车。")
	a = d.file(3, "09:20", admin, Intake{EnterpriseID: in.Hongshan[1], Channel: string(ChannelHotline), Category: "其他",
		Title: "食品经营许可证延续办理咨询", Content: "企业食品经营许可证即将到期，咨询延续办理的材料和时限。"})
	dispatch(3, "09:50", a, "洪山区市场监督管理局")
	sign(3, "10:20", a, "洪山区市场监督管理局")
	// The 市发改委 desk's workbench: one in hand, one 临期, one 超期, one
	// back for rework after 不满意, one it helps with.
	a = d.file(1, "09:45", admin, Intake{EnterpriseID: o[8], Channel: string(ChannelHotline), Category: "政策咨询",
		Title: "专精特新企业奖补政策兑现时间", Content: "企业已通过专精特新认定，咨询市级奖补资金的兑现时间和方式。"})
	sign(1, "10:30", a, "市发展和改革委员会")
	a = d.file(4, "11:00", admin, Intake{EnterpriseID: o[9], Channel: string(ChannelVisit), Category: "水电气网",
		Title: "天然气价格联动调整后企业成本上升", Content: "走访中企业反映天然气价格上调后生产成本上升，希望了解是否有阶段性支持措施。"})
	sign(4, "14:00", a, "市发展和改革委员会")
	a = d.file(9, "10:00", admin, Intake{EnterpriseID: o[12], Channel: string(ChannelRoundtable), Category: "拖欠账款",
		Title: "政府投资项目工程款结算拖延", Content: "企业承建的区政府投资项目已竣工验收一年，工程款结算审计迟迟未完成。"})
	sign(9, "11:00", a, "市发展和改革委员会")
	sign(9, "14:30", a, "市财政局")
	a = d.file(8, "09:30", admin, Intake{EnterpriseID: o[13], Channel: string(ChannelHotline), Category: "政策咨询",
		Title: "技术改造项目补贴申报被退回", Content: "企业技改项目补贴申报材料被退回，未说明原因。"})
	sign(8, "10:00", a, "市发展和改革委员会")
	reply(6, "10:00", a, "市发展和改革委员会", ResultExplained, "申报材料缺少设备购置发票，已告知企业补齐后重新申报。")
	evaluate(4, "10:00", admin, a, RatingUnsatisfied, "企业回访：补齐发票后仍被退回，理由不一致")
	a = d.file(2, "15:00", admin, Intake{EnterpriseID: o[14], Channel: string(ChannelRoundtable), Category: "审批服务",
		Title: "重点项目能评与环评并联审批", Content: "政企圆桌会：重点项目希望节能审查与环评并联办理，缩短前期手续时间。"})
	dispatch(2, "15:30", a, "市政务服务中心", "市发展和改革委员会")

	// Closed at once, for the rates of the panels.
	for i, c := range []struct{ cat, title, unit string }{
		{"政策咨询", "高新技术企业认定申报时间", "市发展和改革委员会"},
		{"用工社保", "社保缴费基数调整咨询", "市人力资源和社会保障局"},
		{"税费服务", "增值税留抵退税到账时间", "国家税务总局武汉市税务局"},
	} {
		n := 13 - i*2
		a = d.file(n, "09:30", admin, Intake{EnterpriseID: o[10+i%2], Channel: string(ChannelHotline), Category: c.cat, Title: c.title, Content: c.title + "。"})
		sign(n, "10:00", a, c.unit)
		reply(n-1, "10:00", a, c.unit, ResultExplained, "已电话答复企业并发送办事指南。")
		evaluate(n-2, "10:00", admin, a, RatingSatisfied, "回访满意")
		closeIt(n-2, "15:00", a)
	}
	if err := d.run(); err != nil {
		return err
	}
	// One round of supervision at the last working minute before now:
	// the 催办 and 督办 of the overdue and 临期 appeals.
	last := s.cal.AddWorkingHours(s.now(), -time.Minute, s.hours)
	if _, err := s.at(last).Supervise(ctx, last); err != nil {
		return err
	}
	return nil
}

// demoClusters are appeals of different enterprises that describe one
// problem in their own words: three clusters for the analysis pages.
var demoClusters = []struct {
	channel, category, district, title, content string
	publish                                     bool
}{
	{"hotline", "用地规划", "洪山区", "光谷软件园停车难", "光谷软件园停车位严重不足，员工每天早上找不到停车位，只能在园区周边道路违停，经常被贴罚单，希望增建停车场。", true},
	{"hotline", "用地规划", "洪山区", "软件园员工停车难问题", "我们在光谷软件园办公，园区停车位远远不够，员工上班找不到停车位，周边道路违停天天被罚款，请求规划建设停车场。", true},
	{"visit", "用地规划", "洪山区", "园区停车位不足，员工违停被罚", "走访中企业反映：光谷软件园停车位不足，员工只能把车停在园区周边道路上，违停罚单不断，希望增加停车位或建设立体停车场。", false},
	{"roundtable", "用地规划", "洪山区", "请求在光谷软件园增建停车场", "政企圆桌会上企业反映光谷软件园停车难，停车位严重不足，员工在周边道路违停被罚，希望尽快增建停车场。", true},
	{"hotline", "水电气网", "江夏区", "园区转供电电费结算慢", "我司在江夏经济开发区的园区租用厂房，园区转供电电费结算很慢，电费降价政策迟迟没有落实到企业，结算单要等两个多月。", false},
	{"hotline", "水电气网", "江夏区", "转供电电费降价未落实，结算拖延", "江夏经济开发区园区转供电，物业电费结算拖延两个多月，电费降价政策一直没有落实到我们企业，希望督促结算。", true},
	{"visit", "水电气网", "江夏区", "园区物业电费结算周期长", "走访中企业反映：江夏经济开发区园区转供电电费结算周期两个多月，电费降价政策没有落实，请协调园区物业尽快结算。", false},
	{"hotline", "用工社保", "汉阳区", "普工招工难，缺口较大", "汉阳区的工厂今年普工招工难，生产线缺口六十多人，发布招聘信息一个月应聘的人很少，希望人社部门组织专场招聘会。", true},
	{"hotline", "用工社保", "汉阳区", "招工难，希望组织专场招聘会", "我司在汉阳区，普工招工难，缺口五十人，招聘一个多月没招满，希望人社部门组织专场招聘会帮助企业招工。", false},
	{"visit", "用工社保", "汉阳区", "生产线普工缺口大", "走访中企业反映：汉阳区厂区普工招工难，生产线缺口四十多人，招聘信息发布一个月应聘很少，希望组织专场招聘会。", false},
}

// demoUnknownCode is a valid credit code the synthetic registry does not
// hold.
func demoUnknownCode() (string, error) {
	return enterprise.MakeUSCC('9', '1', "420111", "MA4KDEM0")
}
