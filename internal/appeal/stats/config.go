package stats

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// Weights are the shares of the 比晾晒 score (接诉即办: 响应率 20 %, 解决率
// 40 %, 满意率 40 %).
type Weights struct {
	Response float64 `json:"response"`
	Solve    float64 `json:"solve"`
	Satisfy  float64 `json:"satisfy"`
}

// Config is a version of the formula configuration (统计口径).
type Config struct {
	Version int `json:"version"`
	// Counted are the statuses whose appeals count at all (default: all
	// but 已合并, whose figures live on in the appeal it was merged into).
	Counted []appeal.Status `json:"counted"`
	// ExplainedSolved counts a 解释说明 reply as solved in 解决率.
	ExplainedSolved bool `json:"explained_solved"`
	// Weights of the score.
	Weights Weights `json:"weights"`
	// RedBelow puts a group whose score is below it on the red list, and
	// RedLast the last RedLast of the ranking (0: none).
	RedBelow float64 `json:"red_below"`
	RedLast  int     `json:"red_last"`

	Note      string    `json:"note,omitempty"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// counts reports whether an appeal in status st is counted.
func (c *Config) counts(st string) bool { return slices.Contains(c.Counted, appeal.Status(st)) }

// CountedLabels names the counted statuses in Chinese.
func (c *Config) CountedLabels() string {
	var out []string
	for _, st := range c.Counted {
		out = append(out, st.Label())
	}
	return strings.Join(out, "、")
}

// ConfigInput is what the office edits.
type ConfigInput struct {
	Counted         []string `json:"counted"`
	ExplainedSolved bool     `json:"explained_solved"`
	Weights         Weights  `json:"weights"`
	RedBelow        float64  `json:"red_below"`
	RedLast         int      `json:"red_last"`
	Note            string   `json:"note"`
}

func (in *ConfigInput) validate() (*Config, error) {
	c := &Config{ExplainedSolved: in.ExplainedSolved, Weights: in.Weights, RedBelow: in.RedBelow, RedLast: in.RedLast,
		Note: strings.TrimSpace(in.Note)}
	for _, s := range in.Counted {
		st := appeal.Status(strings.TrimSpace(s))
		if !st.Valid() {
			return nil, errs.FieldErrorf("counted", "未知的诉求状态“%s”", s)
		}
		if !slices.Contains(c.Counted, st) {
			c.Counted = append(c.Counted, st)
		}
	}
	if len(c.Counted) == 0 {
		return nil, errs.FieldErrorf("counted", "至少选择一个计入统计的状态")
	}
	w := c.Weights
	if w.Response < 0 || w.Solve < 0 || w.Satisfy < 0 || w.Response+w.Solve+w.Satisfy <= 0 {
		return nil, errs.FieldErrorf("weights", "权重不能为负，且合计须大于 0")
	}
	if c.RedBelow < 0 || c.RedBelow > 100 {
		return nil, errs.FieldErrorf("red_below", "亮红灯分数线应在 0 到 100 之间")
	}
	if c.RedLast < 0 || c.RedLast > 100 {
		return nil, errs.FieldErrorf("red_last", "末位数应在 0 到 100 之间")
	}
	if len([]rune(c.Note)) > 500 {
		return nil, errs.FieldErrorf("note", "说明最多 500 字")
	}
	return c, nil
}

// loadConfigs reads every version of the configuration by version.
func (s *Service) loadConfigs(ctx context.Context, q store.Querier) (map[int]*Config, int, error) {
	rows, err := q.QueryContext(ctx, `SELECT version, config, note, created_by, created_at FROM appeal_stat_configs ORDER BY version`)
	if err != nil {
		return nil, 0, errs.Wrap(err, "read rate configuration")
	}
	defer rows.Close()
	out := map[int]*Config{}
	latest := 0
	for rows.Next() {
		var c Config
		var body string
		var at int64
		if err := rows.Scan(&c.Version, &body, &c.Note, &c.CreatedBy, &at); err != nil {
			return nil, 0, errs.Wrap(err, "read rate configuration")
		}
		v := c.Version
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			return nil, 0, errs.Wrap(err, "read rate configuration")
		}
		c.Version = v
		c.CreatedAt = store.FromMillis(at)
		out[v] = &c
		latest = max(latest, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, errs.Wrap(err, "read rate configuration")
	}
	if latest == 0 {
		return nil, 0, errs.Errorf(errs.Internal, "没有统计口径")
	}
	return out, latest, nil
}

// Configs returns every version of the configuration, newest first.
// Anyone who may read rates may call it (auth.ViewAppealStats). Errors:
// Unauthenticated, Forbidden.
func (s *Service) Configs(ctx context.Context, a *auth.Actor) ([]Config, error) {
	if err := auth.AuthorizeSome(a, auth.ViewAppealStats); err != nil {
		return nil, err
	}
	all, _, err := s.loadConfigs(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := make([]Config, 0, len(all))
	for _, c := range all {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(x, y Config) int { return y.Version - x.Version })
	return out, nil
}

// SaveConfig writes a new version of the configuration; published months
// keep theirs. The office may call it (auth.ManageAppealStats). Errors:
// Unauthenticated, Forbidden, Invalid.
func (s *Service) SaveConfig(ctx context.Context, a *auth.Actor, in ConfigInput) (*Config, error) {
	if err := auth.AuthorizeSome(a, auth.ManageAppealStats); err != nil {
		return nil, err
	}
	c, err := in.validate()
	if err != nil {
		return nil, err
	}
	now := s.Now()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM appeal_stat_configs`).Scan(&c.Version); err != nil {
			return errs.Wrap(err, "save rate configuration")
		}
		body, err := json.Marshal(struct {
			Counted         []appeal.Status `json:"counted"`
			ExplainedSolved bool            `json:"explained_solved"`
			Weights         Weights         `json:"weights"`
			RedBelow        float64         `json:"red_below"`
			RedLast         int             `json:"red_last"`
		}{c.Counted, c.ExplainedSolved, c.Weights, c.RedBelow, c.RedLast})
		if err != nil {
			return errs.Wrap(err, "save rate configuration")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO appeal_stat_configs (version, config, note, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			c.Version, string(body), c.Note, a.Name, store.Millis(now)); err != nil {
			if store.IsUniqueViolation(err) {
				return errs.Errorf(errs.Conflict, "口径刚刚被其他人修改，请刷新后重试")
			}
			return errs.Wrap(err, "save rate configuration")
		}
		return s.Audit.Record(ctx, tx, "appeal_stat_config", itoa(c.Version), "create", nil, c)
	})
	if err != nil {
		return nil, err
	}
	c.CreatedBy, c.CreatedAt = a.Name, now
	return c, nil
}

// Formula is one rate written out.
type Formula struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Formula string `json:"formula"`
	Note    string `json:"note,omitempty"`
}

// Formulas writes out every rate under configuration c: the rates page
// shows them, docs/architecture.md repeats them.
func Formulas(c *Config) []Formula {
	solved := "“解决”"
	if c.ExplainedSolved {
		solved = "“解决”与“解释说明”"
	}
	w := c.Weights
	return []Formula{
		{"received", "受理量", "期内受理、状态计入统计的诉求数", "计入统计的状态：" + c.CountedLabels()},
		{"sign_on_time_rate", "签收及时率", "按时签收数 ÷ 已签收数", "按时：主办单位首次签收不晚于签收时限（工作时间计）"},
		{"handle_on_time_rate", "按时办结率", "按时答复数 ÷ 已答复数", "按时：首次答复日期不晚于办理期限（工作日计，含暂停与批准的延期）"},
		{"first_time_rate", "一次性化解率", "一次性化解数 ÷ 已销号数", "一次性化解：首次答复即获满意或基本满意，从未退回、从未重办"},
		{"satisfaction_rate", "满意率", "（满意 + 基本满意）÷ 已评价数", "已评价 = 满意 + 基本满意 + 不满意；未评价单列，不计为满意"},
		{"response_rate", "响应率（接诉即办）", "按时签收数 ÷ 受理量", "未签收或超时签收的诉求都计为未及时响应"},
		{"solve_rate", "解决率（接诉即办）", "已解决数 ÷ 有办理结果数", "已解决：最后一次答复为" + solved + "；有办理结果：最后一次答复为“解决”或“解释说明”"},
		{"satisfaction_rate_12345", "满意率（接诉即办）", "（满意 + 基本满意）÷ 已评价数", "与上面的满意率同一口径"},
		{"reopen_rate", "重办率", "重办过的诉求数 ÷ 已答复数", "重办：不满意后退回承办单位或营商办重启"},
		{"return_rate", "退回率", "退回过的诉求数 ÷ 受理量", "退回：承办单位退回营商办重新派单"},
		{"backlog", "月末积压（月月清零）", "期限落在当月、当月最后一天仍未销号的诉求数", "按期限所在月份计入，不看受理月份"},
		{"avg_reply_days", "平均答复用时", "受理日至首次答复日的工作日数之和 ÷ 已答复数", "工作日按官方日历（含调休）计"},
		{"p90_reply_days", "答复用时 P90", "90% 的诉求在此工作日数内首次答复", "15 表示 15 个工作日及以上"},
		{"score", "综合得分（比晾晒）", "100 ×（" + num(w.Response) + " × 响应率 + " + num(w.Solve) + " × 解决率 + " + num(w.Satisfy) + " × 满意率）÷ 权重合计",
			"某项无分母时按其余各项权重折算；得分低于 " + num(c.RedBelow) + " 或排名末 " + itoa(c.RedLast) + " 位亮红灯"},
	}
}
