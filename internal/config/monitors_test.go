package config

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestMonitors(t *testing.T) {
	c := mustLoad(t, "testdata/good/monitors.yaml")
	if len(c.Monitors) != 4 {
		t.Fatalf("%d monitors", len(c.Monitors))
	}
	gw, web, mail, hb := c.Monitors[0], c.Monitors[1], c.Monitors[2], c.Monitors[3]
	// Defaults that depend on the type and the interval.
	if gw.Interval.Std() != time.Minute || gw.Timeout.Std() != 10*time.Second || gw.ICMP.Count != 3 ||
		gw.FailureThreshold != 2 || gw.SuccessThreshold != 2 {
		t.Errorf("icmp defaults: %+v", gw)
	}
	if web.Timeout.Std() != 10*time.Second || web.Labels["team"] != "web" || web.DependsOn != "gateway" ||
		len(web.Conditions) != 2 || web.HTTP.BearerToken.Reveal() != "s3cret-bearer-token" {
		t.Errorf("http monitor: %+v", web)
	}
	if spec := web.Spec(); spec.HTTP.BearerToken != "s3cret-bearer-token" || spec.HTTP.Headers["Accept"] != "application/json" {
		t.Errorf("spec: %+v", spec.HTTP)
	}
	if mail.TLS.StartTLS != "smtp" {
		t.Errorf("tls monitor: %+v", mail)
	}
	// Heartbeats: a missed deadline is confirmed at once; the grace defaults to a tenth of the period.
	if hb.FailureThreshold != 1 || hb.SuccessThreshold != 1 || hb.Heartbeat.Grace.Std() != 144*time.Minute {
		t.Errorf("heartbeat defaults: %+v", hb)
	}
	var out bytes.Buffer
	if err := c.Print(&out); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cret-bearer-token", "NightlyBackupToken-0123456789"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("Print shows the secret %q", secret)
		}
	}
}
