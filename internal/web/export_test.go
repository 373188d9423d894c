package web

// InputRule is a route's input rule as tests see it.
type InputRule struct {
	MultiLine []string
	Upload    bool
}

// Inputs returns the input table of routes.go.
func Inputs() map[string]InputRule {
	out := map[string]InputRule{}
	for p, in := range inputs() {
		out[p] = InputRule{MultiLine: in.multiLine, Upload: in.upload}
	}
	return out
}
