package web

import (
	"context"
	"html/template"
	"net/http"
	"slices"

	"vigie/internal/errs"
	"vigie/internal/report"
	"vigie/internal/slo"
)

// SLOs gives the service-level objectives' current state.
type SLOs interface {
	Current(ctx context.Context) ([]slo.Status, error)
}

type sloRuleJSON struct {
	Severity     string   `json:"severity"` // page or ticket
	LongWindowS  float64  `json:"long_window_seconds"`
	ShortWindowS float64  `json:"short_window_seconds"`
	Factor       float64  `json:"factor"`
	LongRate     *float64 `json:"long_burn_rate"` // null without results
	ShortRate    *float64 `json:"short_burn_rate"`
	Firing       bool     `json:"firing"`
}

type sloJSON struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	About       string            `json:"about"`
	Monitors    []string          `json:"monitors"`
	Labels      map[string]string `json:"labels"`
	Objective   float64           `json:"objective"`
	WindowS     float64           `json:"window_seconds"`
	Results     int               `json:"results"`
	Bad         int               `json:"bad_results"`
	SLI         *float64          `json:"sli"` // null without results
	BudgetLeft  float64           `json:"error_budget_remaining"`
	Firing      string            `json:"firing,omitempty"` // slo_page or slo_ticket
	Reason      string            `json:"reason,omitempty"`
	Rules       []sloRuleJSON     `json:"rules"`
}

func toSLOJSON(st slo.Status) sloJSON {
	out := sloJSON{Name: st.Name, Description: st.Description, About: st.About, Monitors: st.Monitors, Labels: st.Labels,
		Objective: st.Target, WindowS: st.Window.Seconds(), Results: st.Total, Bad: st.Bad, BudgetLeft: st.BudgetLeft,
		Firing: st.Firing, Reason: st.Reason, Rules: []sloRuleJSON{}}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	if st.HasData {
		out.SLI = &st.SLI
	}
	for _, r := range st.Rules {
		rj := sloRuleJSON{Severity: r.Name, LongWindowS: r.Long.Seconds(), ShortWindowS: r.Short.Seconds(), Factor: r.Factor, Firing: r.Firing}
		if r.HasData {
			rj.LongRate, rj.ShortRate = &r.LongRate, &r.ShortRate
		}
		out.Rules = append(out.Rules, rj)
	}
	return out
}

func (s *Server) sloStatuses(ctx context.Context) ([]slo.Status, error) {
	if s.SLOs == nil {
		return nil, nil
	}
	return s.SLOs.Current(ctx)
}

// apiListSLOs answers GET /api/v1/slos.
func (s *Server) apiListSLOs(w http.ResponseWriter, r *http.Request) error {
	sts, err := s.sloStatuses(r.Context())
	if err != nil {
		return err
	}
	out := make([]sloJSON, 0, len(sts))
	for _, st := range sts {
		out = append(out, toSLOJSON(st))
	}
	writeJSON(w, http.StatusOK, map[string]any{"slos": out})
	return nil
}

// sloView is one SLO as the page shows it.
type sloView struct {
	slo.Status
	Meter template.HTML
}

// slosPage lists the SLOs with their remaining budget and burn rates; /slos/{name} shows one.
func (s *Server) slosPage(w http.ResponseWriter, r *http.Request) error {
	sts, err := s.sloStatuses(r.Context())
	if err != nil {
		return err
	}
	title := "SLOs"
	if name := r.PathValue("name"); name != "" {
		i := slices.IndexFunc(sts, func(st slo.Status) bool { return st.Name == name })
		if i < 0 {
			return errs.E(errs.NotFound, "no SLO named %q", name)
		}
		sts, title = sts[i:i+1], "SLO "+name
	}
	views := make([]sloView, len(sts))
	for i, st := range sts {
		views[i] = sloView{Status: st, Meter: report.Meter(1 - st.BudgetLeft)}
	}
	return s.render(w, r, http.StatusOK, "slos", page{Title: title, Nav: "reports", Styles: reportStyles,
		Data: struct {
			SLOs []sloView
			One  bool
		}{views, r.PathValue("name") != ""}})
}
