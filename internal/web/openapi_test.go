package web_test

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// documented reports whether a route pattern belongs in the OpenAPI
// document: the JSON API and the health checks.
func documented(path string) bool {
	return strings.HasPrefix(path, "/api/v1/") || path == "/healthz" || path == "/readyz"
}

var wildcard = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}`)

// openAPIPath turns a ServeMux pattern's path into an OpenAPI path
// template: {id} stays, {rest...} becomes {rest}, {$} goes.
func openAPIPath(p string) string {
	p = strings.ReplaceAll(p, "{$}", "")
	return wildcard.ReplaceAllString(p, "{$1}")
}

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

type openAPIParam struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type openAPIOp struct {
	Parameters  []openAPIParam             `json:"parameters"`
	RequestBody json.RawMessage            `json:"requestBody"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPI checks the document against the route table both ways: every
// documented route is in the document, and the document names no path and
// method the server does not serve. It also checks that the document is
// well-formed enough for clients: path parameters declared, $refs
// resolving, errors as problem+json, bearer security.
func TestOpenAPI(t *testing.T) {
	ts := newTestServer(t)
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc openAPIDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	var generic map[string]any
	_ = json.Unmarshal(raw, &generic)

	t.Run("version", func(t *testing.T) {
		if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
			t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
		}
	})

	routes := map[string]bool{} // "get /api/v1/units/{id}"
	for _, p := range ts.Server.Patterns() {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			t.Errorf("route %q has no method: every API route must name one", p)
			continue
		}
		if documented(path) {
			routes[strings.ToLower(method)+" "+openAPIPath(path)] = true
		}
	}
	inDoc := map[string]bool{}
	for path, item := range doc.Paths {
		for key := range item {
			if slices.Contains(httpMethods, key) {
				inDoc[key+" "+path] = true
			} else if key != "summary" && key != "description" && key != "parameters" && key != "servers" {
				t.Errorf("path %s has unknown key %q", path, key)
			}
		}
	}
	t.Run("every route documented", func(t *testing.T) {
		var missing []string
		for r := range routes {
			if !inDoc[r] {
				missing = append(missing, r)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Fatalf("routes missing from openapi.json:\n  %s", strings.Join(missing, "\n  "))
		}
	})
	t.Run("every documented operation served", func(t *testing.T) {
		var extra []string
		for r := range inDoc {
			if !routes[r] {
				extra = append(extra, r)
			}
		}
		sort.Strings(extra)
		if len(extra) > 0 {
			t.Fatalf("openapi.json documents operations the server does not have:\n  %s", strings.Join(extra, "\n  "))
		}
	})

	params := map[string]openAPIParam{}
	if comps, ok := generic["components"].(map[string]any); ok {
		if ps, ok := comps["parameters"].(map[string]any); ok {
			for name, v := range ps {
				b, _ := json.Marshal(v)
				var p openAPIParam
				_ = json.Unmarshal(b, &p)
				params["#/components/parameters/"+name] = p
			}
		}
	}
	t.Run("operations", func(t *testing.T) {
		for path, item := range doc.Paths {
			want := map[string]bool{}
			for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
				want[m[1]] = true
			}
			for method, rawOp := range item {
				if !slices.Contains(httpMethods, method) {
					continue
				}
				var op openAPIOp
				if err := json.Unmarshal(rawOp, &op); err != nil {
					t.Errorf("%s %s: %v", method, path, err)
					continue
				}
				got := map[string]bool{}
				for _, p := range op.Parameters {
					if p.Ref != "" {
						rp, ok := params[p.Ref]
						if !ok {
							t.Errorf("%s %s: parameter %s does not resolve", method, path, p.Ref)
							continue
						}
						p = rp
					}
					if p.In == "path" {
						if !p.Required {
							t.Errorf("%s %s: path parameter %s not required", method, path, p.Name)
						}
						got[p.Name] = true
					}
				}
				for name := range want {
					if !got[name] {
						t.Errorf("%s %s: path parameter {%s} not declared", method, path, name)
					}
				}
				for name := range got {
					if !want[name] {
						t.Errorf("%s %s: declares path parameter %s not in the path", method, path, name)
					}
				}
				if len(op.Responses) == 0 {
					t.Errorf("%s %s: no responses", method, path)
				}
				hasSuccess := false
				for code := range op.Responses {
					hasSuccess = hasSuccess || strings.HasPrefix(code, "2")
				}
				if !hasSuccess {
					t.Errorf("%s %s: no success response", method, path)
				}
				if (method == "post" || method == "put") && len(op.RequestBody) == 0 && !strings.HasSuffix(path, "/revoke") && !strings.HasSuffix(path, "/read") {
					t.Errorf("%s %s: no request body", method, path)
				}
			}
		}
	})

	t.Run("refs resolve", func(t *testing.T) {
		var walk func(v any, at string)
		walk = func(v any, at string) {
			switch x := v.(type) {
			case map[string]any:
				for k, c := range x {
					if k == "$ref" {
						ref, _ := c.(string)
						if !resolves(generic, ref) {
							t.Errorf("%s: $ref %q does not resolve", at, ref)
						}
						continue
					}
					walk(c, at+"/"+k)
				}
			case []any:
				for _, c := range x {
					walk(c, at)
				}
			}
		}
		walk(generic, "#")
	})

	t.Run("problem and security", func(t *testing.T) {
		p, ok := doc.Components.Schemas["Problem"]
		if !ok {
			t.Fatal("no Problem schema")
		}
		for _, f := range []string{"type", "title", "status", "detail", "code", "field", "request_id"} {
			if _, ok := p.Properties[f]; !ok {
				t.Errorf("Problem lacks %q", f)
			}
		}
		if !strings.Contains(string(raw), `"application/problem+json"`) {
			t.Error("no application/problem+json response")
		}
		bearer := false
		for _, s := range doc.Components.SecuritySchemes {
			bearer = bearer || (s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"))
		}
		if !bearer {
			t.Error("no bearer security scheme")
		}
	})

	t.Run("served", func(t *testing.T) {
		res := ts.Get(t, ts.Client(t), "/api/v1/openapi.json")
		if res.Status != http.StatusOK || res.Body != string(raw) {
			t.Fatalf("GET /api/v1/openapi.json: status %d, same as the file: %v", res.Status, res.Body == string(raw))
		}
	})
}

// resolves reports whether a local $ref such as
// #/components/schemas/Problem names something in doc.
func resolves(doc map[string]any, ref string) bool {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	var cur any = doc
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[part]; !ok {
			return false
		}
	}
	return true
}
