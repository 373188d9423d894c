package web

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/audit"
)

// metrics holds the server's Prometheus registry; there are no global
// collectors.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(a *app.App) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "qinqing_http_requests_total", Help: "HTTP requests by route pattern and status.",
	}, []string{"route", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "qinqing_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route"})
	m.reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&dbCollector{a: a}, &jobsCollector{a: a})
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

var (
	dbOpenDesc  = prometheus.NewDesc("qinqing_db_open_connections", "Open database connections by pool.", []string{"pool"}, nil)
	dbInUseDesc = prometheus.NewDesc("qinqing_db_in_use_connections", "Database connections in use by pool.", []string{"pool"}, nil)
	dbWaitDesc  = prometheus.NewDesc("qinqing_db_wait_seconds_total", "Time spent waiting for a connection by pool.", []string{"pool"}, nil)
	jobsDesc    = prometheus.NewDesc("qinqing_jobs", "Background jobs by status.", []string{"status"}, nil)
)

type dbCollector struct{ a *app.App }

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbOpenDesc
	ch <- dbInUseDesc
	ch <- dbWaitDesc
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	for pool, st := range map[string]sql.DBStats{"write": c.a.DB.Stats(), "read": c.a.DB.ReadStats()} {
		ch <- prometheus.MustNewConstMetric(dbOpenDesc, prometheus.GaugeValue, float64(st.OpenConnections), pool)
		ch <- prometheus.MustNewConstMetric(dbInUseDesc, prometheus.GaugeValue, float64(st.InUse), pool)
		ch <- prometheus.MustNewConstMetric(dbWaitDesc, prometheus.CounterValue, st.WaitDuration.Seconds(), pool)
	}
}

type jobsCollector struct{ a *app.App }

func (c *jobsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- jobsDesc }

func (c *jobsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.a.Jobs.Counts(ctx)
	if err != nil {
		return
	}
	for status, n := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), string(status))
	}
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type patternKey struct{}

// observe records metrics and writes one structured log line per request.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		pattern := new(string)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), patternKey{}, pattern)))
		route := *pattern
		if route == "" {
			route = "other"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(d.Seconds())
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("request_id", audit.RequestID(r.Context())), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("route", route), slog.Int("status", sw.status),
			slog.Duration("took", d))
	})
}

// setPattern records the matched route pattern for observe.
func setPattern(r *http.Request, pattern string) {
	if p, ok := r.Context().Value(patternKey{}).(*string); ok {
		*p = pattern
	}
}
