package app

import (
	"fmt"
	"time"

	"vigie/internal/config"
	"vigie/internal/status"
	"vigie/internal/status/sla"
)

// StatusPages turns the configured pages into what the status service reads (the CLI, too).
func StatusPages(cfg *config.Config) ([]*status.Page, error) {
	var out []*status.Page
	for _, p := range cfg.StatusPages {
		loc, err := time.LoadLocation(p.Timezone)
		if err != nil {
			return nil, fmt.Errorf("status page %s: %w", p.Slug, err)
		}
		w := sla.DefaultWeights()
		w.Degraded, w.PartialOutage = p.Weights.Degraded, p.Weights.PartialOutage
		page := &status.Page{Slug: p.Slug, Title: p.Title, Description: p.Description, LogoURL: p.LogoURL, Host: p.Host,
			Location: loc, Target: p.SLATarget / 100, Weights: w, Token: p.Private.Token.Reveal(),
			NoticeBefore: p.MaintenanceNoticeBefore.Std(), EmailSubscribers: p.Subscribers.Email != ""}
		for _, g := range p.Groups {
			group := status.Group{ID: config.ComponentID(g.Name), Name: g.Name}
			for _, c := range g.Components {
				group.Components = append(group.Components, status.Component{ID: config.ComponentID(c.Name), Name: c.Name,
					Description: c.Description, Monitors: c.Monitors, Share: c.Rule == "share", Manual: c.Manual})
			}
			page.Groups = append(page.Groups, group)
		}
		out = append(out, page)
	}
	return out, nil
}
