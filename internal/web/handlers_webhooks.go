package web

import (
	"fmt"
	"net/http"

	"github.com/qinqing/qinqing/internal/notify"
)

// webhookInput is the body of POST /api/v1/webhooks.
type webhookInput struct {
	Name   string   `json:"name"`
	URL    string   `json:"url"`
	Secret string   `json:"secret"`
	Kinds  []string `json:"kinds"`
}

func (s *Server) apiWebhooks(w http.ResponseWriter, r *http.Request) error {
	list, err := s.app.Notify.ListWebhooks(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Secret = "" // shown once, at creation
	}
	if list == nil {
		list = []notify.Webhook{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	return nil
}

func (s *Server) apiCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhookInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	wh, err := s.app.Notify.CreateWebhook(r.Context(), actorOf(r), notify.Webhook{Name: in.Name, URL: in.URL, Secret: in.Secret, Kinds: in.Kinds, Active: true})
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/webhooks/%d", wh.ID))
	writeJSON(w, http.StatusCreated, wh)
	return nil
}

func (s *Server) apiDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.Notify.DeleteWebhook(r.Context(), actorOf(r), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
