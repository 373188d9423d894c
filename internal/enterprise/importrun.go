package enterprise

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/errs"
	"github.com/qinqing/qinqing/internal/jobs"
	"github.com/qinqing/qinqing/internal/store"
)

// Background job kinds of web imports.
const (
	ImportJobKind     = "enterprise.import"        // runs an uploaded import
	CleanUploadsKind  = "enterprise.clean_uploads" // removes uploads no run needs (scheduled)
	DefaultUploadKeep = 7 * 24 * time.Hour         // how long an interrupted import's upload waits for a retry
)

// The states of an import run (ImportRun.Status).
const (
	RunQueued  = "queued"  // waiting for its job to start
	RunRunning = "running" // its job is importing
	RunDone    = "done"    // finished; Result says what it did
	RunFailed  = "failed"  // stopped without a result; Error says why
)

// ImportRun is an import started from the web UI: the upload, its job and,
// once finished, its result.
type ImportRun struct {
	ID         int64         `json:"id"`
	JobID      int64         `json:"job_id"`
	Filename   string        `json:"filename"`
	Format     string        `json:"format"`
	Size       int64         `json:"size"`
	Strict     bool          `json:"strict"`
	DryRun     bool          `json:"dry_run"`
	CreatedAt  time.Time     `json:"created_at"`
	FinishedAt *time.Time    `json:"finished_at"`
	Result     *ImportResult `json:"result"`
	Error      string        `json:"error,omitempty"`
	// Status is RunQueued, RunRunning, RunDone or RunFailed. A run whose
	// job failed without finishing it (its process was killed, the job's
	// lease ran out) is failed, with the job's last error as its Error.
	Status string `json:"status"`
	// Retryable: the run failed without a result and its upload is still
	// there, so RetryImportRun can run it again.
	Retryable bool `json:"retryable"`
	path      string
}

// ImportRuns saves uploads under Dir and runs them as background jobs, so
// that a city-scale file neither ties up a request nor is lost when the
// browser closes. With several instances, Dir must be storage they share.
type ImportRuns struct {
	Enterprises *Service
	ImportRunsOptions
}

// ImportRunsOptions are the dependencies and settings of ImportRuns.
type ImportRunsOptions struct {
	Jobs *jobs.Runner
	Dir  string
	Now  func() time.Time
	// Keep is how long the upload of an interrupted import waits for a
	// retry before CleanUploads removes it; DefaultUploadKeep when zero.
	Keep time.Duration
}

// NewImportRuns returns the import runs of the registry s; their jobs are
// registered by RegisterJobs.
func NewImportRuns(s *Service, opts ImportRunsOptions) *ImportRuns {
	return &ImportRuns{Enterprises: s, ImportRunsOptions: opts}
}

// Start saves the upload r (named filename) and queues its import. The
// office may call it (auth.ImportEnterprise; the web layer enforces the
// upload size limit). Errors: Unauthenticated, Forbidden, Invalid for an
// unsupported file type.
func (s *ImportRuns) Start(ctx context.Context, a *auth.Actor, r io.Reader, filename string, opts ImportOptions) (*ImportRun, error) {
	if err := auth.AuthorizeSome(a, auth.ImportEnterprise); err != nil {
		return nil, err
	}
	format, err := FormatOf(filename)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.Dir, 0o750); err != nil {
		return nil, errs.Wrap(err, "upload dir")
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	path := filepath.Join(s.Dir, hex.EncodeToString(b[:])+"."+format)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, errs.Wrap(err, "save upload")
	}
	size, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, errs.Wrap(err, "save upload")
	}
	run := &ImportRun{Filename: filepath.Base(filename), Format: format, Size: size, Strict: opts.Strict, DryRun: opts.DryRun,
		CreatedAt: s.Now().UTC().Truncate(time.Millisecond), path: path}
	who := audit.ActorOf(ctx)
	db := s.Enterprises.DB
	err = db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO import_runs (filename, format, path, size, strict, dry_run, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, run.Filename, format, path, size, opts.Strict, opts.DryRun, who.UserID,
			store.Millis(run.CreatedAt)).Scan(&run.ID); err != nil {
			return errs.Wrap(err, "insert import run")
		}
		jobID, err := s.Jobs.Enqueue(ctx, tx, ImportJobKind, map[string]int64{"run": run.ID}, jobs.MaxAttempts(1))
		if err != nil {
			return err
		}
		run.JobID = jobID
		_, err = tx.ExecContext(ctx, `UPDATE import_runs SET job_id = ? WHERE id = ?`, jobID, run.ID)
		return errs.Wrap(err, "link import job")
	})
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return run, nil
}

// RegisterJobs registers the import runs' jobs with r: Run for
// ImportJobKind and the daily clean-up of uploads. The composition root
// calls it once.
func (s *ImportRuns) RegisterJobs(r *jobs.Runner) {
	r.Register(ImportJobKind, s.Run)
	r.Register(CleanUploadsKind, s.CleanUploadsJob)
}

// Schedules lists the periodic jobs of the import runs: the clean-up of
// uploads, daily.
func (s *ImportRuns) Schedules() []jobs.Period {
	return []jobs.Period{{Name: "clean-uploads", Kind: CleanUploadsKind, Every: 24 * time.Hour}}
}

// Run is the job handler of ImportJobKind: it imports the saved file,
// reporting progress on the job, stores the result and removes the upload.
func (s *ImportRuns) Run(ctx context.Context, j *jobs.Job) error {
	var p struct{ Run int64 }
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(errs.Wrap(err, "import payload"))
	}
	run, err := s.findRun(ctx, p.Run)
	if err != nil {
		return jobs.Permanent(err)
	}
	f, err := os.Open(run.path)
	if err != nil {
		return s.finish(ctx, j, run, nil, errs.Errorf(errs.NotFound, "上传的文件已不存在：%s", run.Filename))
	}
	defer f.Close()
	opts := ImportOptions{Strict: run.Strict, DryRun: run.DryRun, Size: run.Size}
	res, ierr := s.Enterprises.Import(ctx, f, run.Format, opts, func(pr Progress) {
		note := "已读取 " + strconv.Itoa(pr.Read) + " 行，拒绝 " + strconv.Itoa(pr.Rejected) + " 行"
		if pr.Phase == PhaseIndexes {
			note = pr.IndexingNote()
		}
		_ = j.Progress(ctx, pr.Bytes, pr.TotalBytes, note)
	})
	if res != nil && ierr == nil {
		// The last report says what the import did, for the jobs pages.
		_ = j.Progress(ctx, run.Size, run.Size, res.Summary())
	}
	return s.finish(ctx, j, run, res, ierr)
}

// finish records the outcome of run's import — if j still holds its lease:
// a job that lost it (its lease ran out and the run may be running again)
// leaves the run and its upload alone — and removes the upload. An import
// that failed fails its job too, with the reason, so that the jobs pages
// do not call a refused file done.
func (s *ImportRuns) finish(ctx context.Context, j *jobs.Job, run *ImportRun, res *ImportResult, ierr error) error {
	var result, msg *string
	if res != nil {
		b, err := json.Marshal(res)
		if err != nil {
			return errs.Wrap(err, "marshal import result")
		}
		r := string(b)
		result = &r
	}
	if ierr != nil {
		m := errs.MessageOf(ierr)
		msg = &m
	}
	res2, err := s.Enterprises.DB.ExecContext(context.WithoutCancel(ctx), `UPDATE import_runs SET finished_at = ?, result = ?, error = ?
		WHERE id = ? AND finished_at IS NULL
			AND EXISTS (SELECT 1 FROM jobs WHERE jobs.id = ? AND status = 'running' AND locked_by = ? AND attempts = ?)`,
		store.Millis(s.Now()), result, msg, run.ID, j.ID, j.LockedBy, j.Attempts)
	if err != nil {
		return errs.Wrap(err, "finish import run")
	}
	if n, _ := res2.RowsAffected(); n == 0 {
		return errs.Errorf(errs.Conflict, "导入 %d 的任务已失去租约，结果不予记录", run.ID)
	}
	os.Remove(run.path)
	if ierr != nil {
		return jobs.Permanent(ierr)
	}
	return nil
}

// RetryImportRun runs again an import whose job failed before it finished
// (Retryable): its job is queued afresh and imports the same upload —
// rows already written are found unchanged, and indexes a first import
// deferred are built first. The office may call it (auth.ImportEnterprise).
// Errors: Unauthenticated, Forbidden, NotFound, Conflict when the run is not
// retryable (finished, still running, or its upload is gone), Internal.
func (s *ImportRuns) RetryImportRun(ctx context.Context, a *auth.Actor, id int64) (*ImportRun, error) {
	if err := auth.AuthorizeSome(a, auth.ImportEnterprise); err != nil {
		return nil, err
	}
	run, err := s.findRun(ctx, id)
	if err != nil {
		return nil, err
	}
	if !run.Retryable {
		why := "它已完成"
		switch {
		case run.Status == RunQueued || run.Status == RunRunning:
			why = "它还在进行"
		case run.FinishedAt == nil:
			why = "上传的文件已不在，请重新上传"
		case run.Error != "":
			why = "它已结束：" + run.Error + "。请修正文件后重新上传"
		}
		return nil, errs.Errorf(errs.Conflict, "导入 %d 不能重试：%s", id, why)
	}
	err = s.Enterprises.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := s.Jobs.Retry(ctx, tx, run.JobID); err != nil {
			return err
		}
		return s.Enterprises.Audit.Record(ctx, tx, "import_run", strconv.FormatInt(id, 10), "retry", map[string]string{"status": run.Status, "error": run.Error}, nil)
	})
	if err != nil {
		return nil, err
	}
	return s.findRun(ctx, id)
}

// CleanUploads removes the uploads no import run needs any more: those of
// finished runs (normally removed at once, unless that failed), those of
// runs interrupted longer than Keep ago and not retried (the run is then
// finished as failed, saying so), and files no run names that are a day
// old (an upload whose run was never recorded). It returns how many files
// it removed. Job CleanUploadsKind runs it daily. Errors: Internal.
func (s *ImportRuns) CleanUploads(ctx context.Context) (int, error) {
	keep := s.Keep
	if keep <= 0 {
		keep = DefaultUploadKeep
	}
	now := s.Now()
	rows, err := s.Enterprises.DB.QueryContext(ctx, `SELECT r.id, r.path, r.finished_at, j.status, j.updated_at
		FROM import_runs r LEFT JOIN jobs j ON j.id = r.job_id`)
	if err != nil {
		return 0, errs.Wrap(err, "find import uploads")
	}
	type upload struct {
		id        int64
		path      string
		finished  bool
		abandoned bool
	}
	var uploads []upload
	named := map[string]bool{}
	for rows.Next() {
		var u upload
		var finished, updated sql.NullInt64
		var status sql.NullString
		if err := rows.Scan(&u.id, &u.path, &finished, &status, &updated); err != nil {
			rows.Close()
			return 0, errs.Wrap(err, "find import uploads")
		}
		u.finished = finished.Valid
		u.abandoned = !u.finished && (!status.Valid || status.String == string(jobs.Failed) && store.FromMillis(updated.Int64).Add(keep).Before(now))
		named[filepath.Base(u.path)] = true
		uploads = append(uploads, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, errs.Wrap(err, "find import uploads")
	}
	removed := 0
	remove := func(path string) {
		if err := os.Remove(path); err == nil {
			removed++
		}
	}
	for _, u := range uploads {
		switch {
		case u.finished:
			remove(u.path)
		case u.abandoned:
			msg := "导入中断后 " + strconv.Itoa(int(keep/(24*time.Hour))) + " 天内未重试，上传的文件已清理；请重新上传"
			if _, err := s.Enterprises.DB.ExecContext(ctx, `UPDATE import_runs SET finished_at = ?, error = ? WHERE id = ? AND finished_at IS NULL`,
				store.Millis(now), msg, u.id); err != nil {
				return removed, errs.Wrap(err, "finish abandoned import")
			}
			remove(u.path)
		}
	}
	entries, err := os.ReadDir(s.Dir)
	if err != nil && !os.IsNotExist(err) {
		return removed, errs.Wrap(err, "list uploads")
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() || named[e.Name()] || now.Sub(info.ModTime()) < 24*time.Hour {
			continue
		}
		remove(filepath.Join(s.Dir, e.Name()))
	}
	return removed, nil
}

// CleanUploadsJob is the handler of CleanUploadsKind.
func (s *ImportRuns) CleanUploadsJob(ctx context.Context, j *jobs.Job) error {
	n, err := s.CleanUploads(ctx)
	if err == nil {
		_ = j.Progress(ctx, 1, 1, "清理上传文件 "+strconv.Itoa(n)+" 个")
	}
	return err
}

// FindImportRunByID returns an import run with its result. The office may
// call it (auth.ImportEnterprise). Errors: Unauthenticated, Forbidden,
// NotFound.
func (s *ImportRuns) FindImportRunByID(ctx context.Context, a *auth.Actor, id int64) (*ImportRun, error) {
	if err := auth.AuthorizeSome(a, auth.ImportEnterprise); err != nil {
		return nil, err
	}
	return s.findRun(ctx, id)
}

// findRun reads import run id. Errors: NotFound.
func (s *ImportRuns) findRun(ctx context.Context, id int64) (*ImportRun, error) {
	var run ImportRun
	var created int64
	var finished sql.NullInt64
	var jobID sql.NullInt64
	var result, msg, jobStatus, jobError sql.NullString
	err := s.Enterprises.DB.QueryRowContext(ctx, `SELECT r.id, r.job_id, r.filename, r.format, r.path, r.size, r.strict, r.dry_run, r.created_at,
			r.finished_at, r.result, r.error, j.status, j.last_error
		FROM import_runs r LEFT JOIN jobs j ON j.id = r.job_id WHERE r.id = ?`, id).Scan(&run.ID, &jobID, &run.Filename, &run.Format, &run.path,
		&run.Size, &run.Strict, &run.DryRun, &created, &finished, &result, &msg, &jobStatus, &jobError)
	if err != nil {
		return nil, store.NotFound(err, "导入记录 %d 不存在", id)
	}
	run.JobID = jobID.Int64
	run.CreatedAt = store.FromMillis(created)
	if finished.Valid {
		t := store.FromMillis(finished.Int64)
		run.FinishedAt = &t
	}
	if result.Valid {
		run.Result = &ImportResult{}
		if err := json.Unmarshal([]byte(result.String), run.Result); err != nil {
			return nil, errs.Wrap(err, "read import result")
		}
	}
	run.Error = msg.String
	switch {
	case run.FinishedAt != nil && run.Error == "":
		run.Status = RunDone
	case run.FinishedAt != nil:
		run.Status = RunFailed
	case jobStatus.String == string(jobs.Queued):
		run.Status = RunQueued
	case jobStatus.String == string(jobs.Running):
		run.Status = RunRunning
	default: // its job failed, or is gone, without finishing the run
		run.Status = RunFailed
		run.Error = "导入中断，没有完成"
		if jobError.String != "" {
			run.Error += "：" + jobError.String
		}
		_, statErr := os.Stat(run.path)
		run.Retryable = statErr == nil && jobStatus.String == string(jobs.Failed)
	}
	return &run, nil
}
