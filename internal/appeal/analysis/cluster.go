package analysis

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/qinqing/qinqing/internal/appeal"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/store"
)

// ClusterAppeal is an appeal of a cluster as the office's page lists it.
type ClusterAppeal struct {
	ID             int64     `json:"id"`
	Number         string    `json:"number"`
	Title          string    `json:"title"`
	EnterpriseID   int64     `json:"enterprise_id,omitempty"`
	EnterpriseName string    `json:"enterprise_name"`
	Category       string    `json:"category"`
	District       string    `json:"district"`
	Status         string    `json:"status"`
	ReceivedAt     time.Time `json:"received_at"`
}

// StatusLabel names the appeal's status in Chinese.
func (c ClusterAppeal) StatusLabel() string { return appeal.Status(c.Status).Label() }

// Cluster is a group of appeals that describe the same problem.
type Cluster struct {
	Key         int64     `json:"key"` // the id of its first appeal
	Size        int       `json:"size"`
	Enterprises int       `json:"enterprises"` // distinct enterprises (anonymous appeals count apart)
	Repeated    bool      `json:"repeated"`    // all from one enterprise: a repeated appeal (重复诉求)
	Category    string    `json:"category"`    // the most frequent
	District    string    `json:"district"`    // the most frequent
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
	Title       string    `json:"title"` // its first appeal's
	// The first maxClusterAppeals of its appeals by receipt; Size counts
	// them all.
	Appeals []ClusterAppeal `json:"appeals"`
}

// ClusterReport is the clusters of a scope: those across enterprises and
// the repeated appeals of one enterprise apart.
type ClusterReport struct {
	Scope    Scope     `json:"scope"`
	Appeals  int       `json:"appeals"`
	Clusters []Cluster `json:"clusters"` // across enterprises, largest first
	Repeats  []Cluster `json:"repeats"`  // one enterprise's repeated appeals, largest first
}

// maxClusters bounds the clusters a report lists of each kind, and
// maxClusterAppeals the appeals it lists of each cluster (the first by
// receipt): a mass complaint is thousands of appeals.
const (
	maxClusters       = 100
	maxClusterAppeals = 20
)

// Clusters groups the appeals of sc that describe the same problem
// (ClusterDocs over their titles and contents, with their category and
// district). The office and leaders may call it (auth.AnalyseAppeals).
// Errors: Unauthenticated, Forbidden, Invalid (the scope), Internal.
func (s *Service) Clusters(ctx context.Context, a *auth.Actor, sc Scope) (*ClusterReport, error) {
	if err := auth.AuthorizeSome(a, auth.AnalyseAppeals); err != nil {
		return nil, err
	}
	if err := sc.check(); err != nil {
		return nil, err
	}
	infos, groups, err := s.cluster(ctx, sc)
	if err != nil {
		return nil, err
	}
	rep := &ClusterReport{Scope: sc, Appeals: len(infos)}
	for _, g := range groups {
		c := makeCluster(infos, g)
		if c.Repeated {
			if len(rep.Repeats) < maxClusters {
				rep.Repeats = append(rep.Repeats, c)
			}
		} else if len(rep.Clusters) < maxClusters {
			rep.Clusters = append(rep.Clusters, c)
		}
	}
	return rep, nil
}

// cluster reads the appeals of sc and groups them (ClusterDocs).
func (s *Service) cluster(ctx context.Context, sc Scope) ([]ClusterAppeal, [][]int, error) {
	cond, args := sc.where(sc.From, sc.To)
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, COALESCE(a.number, ''), a.title, a.content, COALESCE(a.enterprise_id, 0), a.enterprise_name,
		a.category, COALESCE(a.district, ''), a.status, a.received_at FROM appeals a WHERE `+cond+` ORDER BY a.id`, args...)
	if err != nil {
		return nil, nil, errs.Wrap(err, "appeals to cluster")
	}
	defer rows.Close()
	var docs []Doc
	var infos []ClusterAppeal
	for rows.Next() {
		var ca ClusterAppeal
		var content string
		var at int64
		if err := rows.Scan(&ca.ID, &ca.Number, &ca.Title, &content, &ca.EnterpriseID, &ca.EnterpriseName, &ca.Category, &ca.District, &ca.Status, &at); err != nil {
			return nil, nil, errs.Wrap(err, "scan appeals to cluster")
		}
		ca.ReceivedAt = store.FromMillis(at)
		docs = append(docs, Doc{ID: ca.ID, EnterpriseID: ca.EnterpriseID, Category: ca.Category, District: ca.District, Text: ca.Title + "。" + content})
		infos = append(infos, ca)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, errs.Wrap(err, "appeals to cluster")
	}
	return infos, ClusterDocs(docs), nil
}

// ClusterAppealIDs returns the ids of all the appeals of the cluster of sc
// whose key is key (a cluster across enterprises or a repeated appeal),
// by receipt: the clusters are computed again, so that a cluster of any
// size is named by its scope and key. The office and leaders may call it
// (auth.AnalyseAppeals). Errors: Unauthenticated, Forbidden, Invalid (the
// scope), NotFound (no such cluster now: new appeals may have joined it
// to another), Internal.
func (s *Service) ClusterAppealIDs(ctx context.Context, a *auth.Actor, sc Scope, key int64) ([]int64, error) {
	if err := auth.AuthorizeSome(a, auth.AnalyseAppeals); err != nil {
		return nil, err
	}
	if err := sc.check(); err != nil {
		return nil, err
	}
	infos, groups, err := s.cluster(ctx, sc)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		slices.SortFunc(g, func(x, y int) int {
			return cmp.Or(infos[x].ReceivedAt.Compare(infos[y].ReceivedAt), cmp.Compare(infos[x].ID, infos[y].ID))
		})
		if infos[g[0]].ID != key {
			continue
		}
		ids := make([]int64, len(g))
		for i, j := range g {
			ids[i] = infos[j].ID
		}
		return ids, nil
	}
	return nil, errs.Errorf(errs.NotFound, "该同类诉求已不存在（期间的诉求有变化），请刷新聚类页面后重试")
}

// makeCluster describes the appeals infos[i] for i in g.
func makeCluster(infos []ClusterAppeal, g []int) Cluster {
	c := Cluster{Size: len(g)}
	ents := map[int64]bool{}
	cats, dists := map[string]int{}, map[string]int{}
	anon := 0
	for _, i := range g {
		ca := infos[i]
		if ca.EnterpriseID == 0 {
			anon++
		} else {
			ents[ca.EnterpriseID] = true
		}
		cats[ca.Category]++
		dists[ca.District]++
	}
	byReceipt := slices.Clone(g)
	slices.SortFunc(byReceipt, func(x, y int) int {
		return cmp.Or(infos[x].ReceivedAt.Compare(infos[y].ReceivedAt), cmp.Compare(infos[x].ID, infos[y].ID))
	})
	for _, i := range byReceipt[:min(len(byReceipt), maxClusterAppeals)] {
		c.Appeals = append(c.Appeals, infos[i])
	}
	first, last := infos[byReceipt[0]], infos[byReceipt[len(byReceipt)-1]]
	c.Key = first.ID
	c.Title = first.Title
	c.First, c.Last = first.ReceivedAt, last.ReceivedAt
	c.Enterprises = len(ents) + anon
	c.Repeated = anon == 0 && len(ents) == 1
	c.Category, c.District = mostFrequent(cats), mostFrequent(dists)
	return c
}

// mostFrequent returns the key with the largest count (ties: the smallest
// key).
func mostFrequent(m map[string]int) string {
	best, n := "", -1
	for k, v := range m {
		if v > n || (v == n && k < best) {
			best, n = k, v
		}
	}
	return best
}
