package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qinqing/qinqing/internal/app"
	"github.com/qinqing/qinqing/internal/audit"
	"github.com/qinqing/qinqing/internal/auth"
	"github.com/qinqing/qinqing/internal/config"
	"github.com/qinqing/qinqing/internal/org"
	"github.com/qinqing/qinqing/internal/store/storetest"
)

// durabilityTrialsEnv sets how many times TestIntakeSurvivesKill kills the
// server (default 5).
const durabilityTrialsEnv = "QINQING_DURABILITY_TRIALS"

// TestIntakeSurvivesKill runs the built binary's `qinqing serve`, POSTs
// appeals from concurrent clients, kills the process with SIGKILL at a
// random moment, restarts it and checks that every appeal acknowledged
// with 201 is there under its number and external_ref, that a repeated
// reference still answers 200 with the same appeal, and that no appeal
// was left half-written (every one found has its number and events).
func TestIntakeSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills servers")
	}
	trials := 5
	if v := os.Getenv(durabilityTrialsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", durabilityTrialsEnv, v)
		}
		trials = n
	}
	bin := filepath.Join(t.TempDir(), "qinqing")
	build := exec.Command("go", "build", "-o", bin, "github.com/qinqing/qinqing/cmd/qinqing")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) {
		killTrials(t, bin, filepath.Join(t.TempDir(), "durable.db"), trials)
	})
	t.Run("postgres", func(t *testing.T) {
		killTrials(t, bin, storetest.PostgresDSN(t), trials)
	})
}

// killTrials prepares dsn (migrated, a unit and a hotline token) and runs
// the trials on it; the database accumulates the appeals of every trial.
func killTrials(t *testing.T, bin, dsn string, trials int) {
	ctx := audit.WithActor(context.Background(), audit.Who{Name: "test"})
	cfg := config.Default()
	cfg.DB, cfg.DataDir = dsn, t.TempDir()
	a, err := app.Open(ctx, cfg, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.Migrate(ctx, a.Now); err != nil {
		t.Fatal(err)
	}
	op := auth.Operator("test")
	u, err := a.Org.CreateUnit(ctx, op, org.UnitInput{Name: "市优化营商环境办公室", Kind: org.KindDepartment})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.Auth.CreateToken(ctx, op, auth.TokenInput{Name: "12345热线", Role: auth.RoleUnitStaff, UnitID: &u.ID, AllScopes: true})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	total, filed := 0, 0
	for trial := range trials {
		acked, maybe := killOnce(t, bin, dsn, cfg.DataDir, token, trial)
		total += len(acked)
		filed += len(acked) + len(maybe)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d trials: %d appeals acknowledged with 201 before SIGKILL, all found after the restart (%d sent)", trials, total, filed)
}

// server is one running `qinqing serve`.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
}

// startServer runs the binary on dsn on a free loopback port and waits
// until it answers /healthz.
func startServer(t *testing.T, bin, dsn, dataDir string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &server{base: "http://" + addr, logs: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, "serve", "--db", dsn, "--addr", addr, "--data-dir", dataDir)
	s.cmd.Env = append(os.Environ(), "QINQING_LOG_LEVEL=warn")
	s.cmd.Stderr = s.logs
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	go func() { _, _ = io.Copy(io.Discard, bufio.NewReader(out)) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start: %v\n%s", err, s.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// filedAppeal is what the acknowledgement said.
type filedAppeal struct {
	ID          int64  `json:"id"`
	Number      string `json:"number"`
	ExternalRef string `json:"external_ref"`
	Events      []struct {
		Kind string `json:"kind"`
	} `json:"events"`
}

// call sends one API request with the token and decodes a JSON answer.
func call(ctx context.Context, method, target, token string, body any, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s: %w", b, err)
		}
	}
	return resp.StatusCode, nil
}

// killOnce starts the server, files appeals from 8 clients until it is
// killed at a random moment, restarts it and checks what was
// acknowledged. It returns the acknowledged appeals and the references
// sent without an answer.
func killOnce(t *testing.T, bin, dsn, dataDir, token string, trial int) (acked []filedAppeal, maybe []string) {
	t.Helper()
	s := startServer(t, bin, dsn, dataDir)
	ctx := context.Background()
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ref := fmt.Sprintf("K%d-%d-%d", trial, c, i)
				var ap filedAppeal
				status, err := call(ctx, http.MethodPost, s.base+"/api/v1/appeals", token, map[string]any{
					"external_ref": ref, "channel": "hotline", "contact_name": "王先生", "contact_phone": "12345",
					"category": "其他", "title": "断电测试诉求 " + ref, "content": "园区道路施工导致企业出入受阻，请协调。"}, &ap)
				mu.Lock()
				switch {
				case err == nil && status == http.StatusCreated:
					if ap.ExternalRef != ref || ap.Number == "" {
						t.Errorf("201 for %s answered %+v", ref, ap)
					}
					acked = append(acked, ap)
				case err == nil:
					t.Errorf("POST %s answered %d", ref, status)
				default:
					maybe = append(maybe, ref) // the server died under it
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	time.Sleep(time.Duration(100+rand.IntN(900)) * time.Millisecond)
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Logf("trial %d: nothing was acknowledged before the kill", trial)
	}

	s = startServer(t, bin, dsn, dataDir)
	for _, want := range acked {
		var got filedAppeal
		status, err := call(ctx, http.MethodGet, s.base+"/api/v1/appeals/"+want.Number, token, nil, &got)
		if err != nil || status != http.StatusOK || got.ID != want.ID || got.ExternalRef != want.ExternalRef || len(got.Events) == 0 {
			t.Errorf("trial %d: appeal %s (%s) acknowledged with 201: after the restart %d %v %+v", trial, want.Number, want.ExternalRef, status, err, got)
		}
	}
	if len(acked) > 0 {
		want := acked[rand.IntN(len(acked))]
		var again filedAppeal
		status, err := call(ctx, http.MethodPost, s.base+"/api/v1/appeals", token, map[string]any{
			"external_ref": want.ExternalRef, "channel": "hotline", "contact_name": "王先生", "contact_phone": "12345",
			"category": "其他", "title": "断电测试诉求 " + want.ExternalRef, "content": "园区道路施工导致企业出入受阻，请协调。"}, &again)
		if err != nil || status != http.StatusOK || again.ID != want.ID {
			t.Errorf("trial %d: the reference %s again: %d %v %+v, want 200 with appeal %d", trial, want.ExternalRef, status, err, again, want.ID)
		}
	}
	// What the server took in without answering is there whole or not at all.
	for _, ref := range maybe {
		var page struct {
			Items []filedAppeal `json:"items"`
		}
		status, err := call(ctx, http.MethodGet, s.base+"/api/v1/appeals?external_ref="+url.QueryEscape(ref), token, nil, &page)
		if err != nil || status != http.StatusOK {
			t.Errorf("trial %d: list by %s: %d %v", trial, ref, status, err)
			continue
		}
		for _, ap := range page.Items {
			if ap.Number == "" || !strings.HasPrefix(ap.Number, "QS") {
				t.Errorf("trial %d: unanswered %s was left half-written: %+v", trial, ref, ap)
			}
		}
	}
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = s.cmd.Wait()
	return acked, maybe
}
