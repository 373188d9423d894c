package web

import (
	"bytes"
	"cmp"
	"encoding/json"
	"github.com/qinqing/qinqing/internal/paging"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/jobs"
)

// jobRow is a job on the page with its progress as a whole percentage.
type jobRow struct {
	jobs.Job
	// Percent is the progress in whole percent, or -1 when the job has not
	// reported a total.
	Percent int
	// KindLabel names the kind; By names who started it; Link is the page
	// that shows what the job did ("" when none).
	KindLabel, By, Link string
}

func (s *Server) jobRowOf(j jobs.Job) jobRow {
	l := s.app.Labels
	row := jobRow{Job: j, Percent: -1, KindLabel: l.Job(j.Kind), By: l.Actor(cmp.Or(j.EnqueuedBy, audit.System)),
		Link: l.JobLink(j.Kind, j.Payload)}
	if j.LastProgress != nil {
		if p := j.LastProgress.Percent(); p >= 0 {
			row.Percent = int(math.Floor(p))
		}
	} else if j.Status == jobs.Done {
		row.Percent = 100
	}
	return row
}

// statusCount is the number of jobs in one status.
type statusCount struct {
	Status jobs.Status
	N      int
}

// jobsFilter is the jobs filter as given in the query.
type jobsFilter struct {
	Status, Kind string
}

// jobsData is what admin_jobs.html shows.
type jobsData struct {
	Counts   []statusCount
	Statuses []jobs.Status
	Jobs     []jobRow
	Page     *pager
	Filter   jobsFilter
	Kinds    []option // the kinds to filter by, named
}

func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	counts, err := s.app.Jobs.Counts(r.Context())
	if err != nil {
		return err
	}
	data := &jobsData{Statuses: jobs.Statuses(), Filter: jobsFilter{Status: strings.TrimSpace(q.Get("status")), Kind: strings.TrimSpace(q.Get("kind"))}}
	kinds := s.app.Labels.JobKinds()
	if _, ok := kinds[data.Filter.Kind]; !ok && data.Filter.Kind != "" {
		kinds[data.Filter.Kind] = data.Filter.Kind
	}
	data.Kinds = sortedOptions(kinds)
	for _, st := range jobs.Statuses() {
		data.Counts = append(data.Counts, statusCount{Status: st, N: counts[st]})
	}
	data.Page = newPager(r.URL.Path, q, 20)
	list, total, err := s.app.Jobs.List(r.Context(), jobs.JobFilter{Status: jobs.Status(data.Filter.Status), Kind: data.Filter.Kind,
		Limit: data.Page.Size, Offset: data.Page.Offset()})
	if err != nil {
		return err
	}
	data.Page.Total = total
	for _, j := range list {
		data.Jobs = append(data.Jobs, s.jobRowOf(j))
	}
	s.render(w, r, http.StatusOK, "admin_jobs.html", data)
	return nil
}

// jobData is what admin_job.html shows.
type jobData struct {
	Job     jobRow
	Payload string
	// Params are the payload's top-level values, for reading.
	Params []option
}

func (s *Server) jobPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.app.Jobs.FindJobByID(r.Context(), id)
	if err != nil {
		return err
	}
	data := &jobData{Job: s.jobRowOf(*j), Payload: string(j.Payload)}
	var b bytes.Buffer
	if json.Indent(&b, j.Payload, "", "  ") == nil {
		data.Payload = b.String()
	}
	var params map[string]json.RawMessage
	if json.Unmarshal(j.Payload, &params) == nil {
		for k, v := range params {
			data.Params = append(data.Params, option{k, strings.Trim(string(v), `"`)})
		}
		slices.SortFunc(data.Params, func(a, b option) int { return cmp.Compare(a.Value, b.Value) })
	}
	s.render(w, r, http.StatusOK, "admin_job.html", data)
	return nil
}

func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.Jobs.Retry(r.Context(), s.app.DB, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/jobs/"+strconv.FormatInt(id, 10)+"?ok=retried", http.StatusSeeOther)
	return nil
}

func (s *Server) apiJobs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging.Parse(q)
	if err != nil {
		return err
	}
	list, total, err := s.app.Jobs.List(r.Context(), jobs.JobFilter{Status: jobs.Status(strings.TrimSpace(q.Get("status"))),
		Kind: strings.TrimSpace(q.Get("kind")), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	listJSON(w, list, total)
	return nil
}

func (s *Server) apiJob(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.app.Jobs.FindJobByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, j)
	return nil
}
