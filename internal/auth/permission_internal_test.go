package auth

import "testing"

// TestActionsLabelled keeps the labelled list and the permission table in
// step: every action that can be granted has one label, and no label names
// an action the table does not know.
func TestActionsLabelled(t *testing.T) {
	labelled := map[Action]bool{}
	for _, a := range Actions() {
		if a.Label == "" || labelled[a.Action] {
			t.Errorf("action %q: empty or repeated label", a.Action)
		}
		if _, ok := permissions[a.Action]; !ok {
			t.Errorf("label for %q, which the permission table does not know", a.Action)
		}
		labelled[a.Action] = true
	}
	for act := range permissions {
		if !labelled[act] {
			t.Errorf("action %q has no label", act)
		}
	}
}
