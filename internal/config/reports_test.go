package config

import (
	"reflect"
	"testing"
	"time"
)

func TestReportsAndSLOsLoad(t *testing.T) {
	c := mustLoad(t, "testdata/good/reports.yaml")
	w := c.Reports.Weekly
	if !w.Enabled() || w.Schedule != "0 8 * * MON" || w.Zone != "Europe/Paris" || !reflect.DeepEqual(w.Pages, []string{"acme"}) || !reflect.DeepEqual(w.Receivers, []string{"ops-mail"}) {
		t.Errorf("weekly: %+v", w)
	}
	if len(c.SLOs) != 2 {
		t.Fatalf("slos: %+v", c.SLOs)
	}
	checkout, api := c.SLOs[0], c.SLOs[1]
	if checkout.Objective != 99.5 || checkout.Window != Duration(28*24*time.Hour) || checkout.Labels["team"] != "shop" || len(checkout.Monitors) != 2 {
		t.Errorf("checkout: %+v", checkout)
	}
	// Defaults: 99.9 % over 30 days.
	if api.Objective != 99.9 || api.Window != Duration(30*24*time.Hour) || api.Page != "acme" || api.Component != "api" {
		t.Errorf("api-availability: %+v", api)
	}
	if comp, ok := c.StatusPages[0].FindComponent("api"); !ok || comp.Name != "API" {
		t.Errorf("FindComponent by id: %+v %v", comp, ok)
	}
	if comp, ok := c.StatusPages[0].FindComponent("Web app"); !ok || comp.Monitors[0] != "website" {
		t.Errorf("FindComponent by name: %+v %v", comp, ok)
	}
}

func TestWeeklyReportsAreOffByDefault(t *testing.T) {
	if c := mustLoad(t, "testdata/good/empty.yaml"); c.Reports.Weekly.Enabled() {
		t.Error("an empty configuration sends weekly reports")
	}
}
