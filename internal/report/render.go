package report

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"time"

	"vigie/internal/human"
)

//go:embed templates
var templateFS embed.FS

// CSS is the report's style sheet: the admin UI serves it beside its own.
//
//go:embed templates/report.css
var CSS []byte

//go:embed templates/print.css
var pageCSS string

// printCSS is what a printable document carries in its <style>.
var printCSS = string(CSS) + pageCSS

// PrintStyleCSP is the Content-Security-Policy that lets a printable report's own style sheet
// (and nothing else) apply: its hash, not 'unsafe-inline'.
var PrintStyleCSP = func() string {
	sum := sha256.Sum256([]byte(printCSS))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
}()

var funcs = template.FuncMap{
	"exact": func(d any) string {
		switch v := d.(type) {
		case Seconds:
			return human.Exact(v.D())
		case time.Duration:
			return human.Exact(v)
		}
		return fmt.Sprint(d)
	},
	"human":   func(d time.Duration) string { return human.Duration(d) },
	"latency": human.Latency,
	"pct":     Percent,
	"target":  human.Percent,
	"local": func(t time.Time, loc *time.Location) string {
		return t.In(loc).Format("Mon 2 Jan 15:04 MST")
	},
	"share": func(f float64) string {
		return fmt.Sprintf("%.0f %%", math.Floor(f*100))
	},
	"meter":         func(f Figures) template.HTML { return Meter(f.UsedShare()) },
	"verdict":       verdictOf,
	"neg":           func(s Seconds) bool { return s < 0 },
	"plural":        plural,
	"uptimeChange":  uptimeChange,
	"latencyChange": latencyChange,
	"abs": func(s Seconds) Seconds {
		if s < 0 {
			return -s
		}
		return s
	},
}

var templates = template.Must(template.New("report").Funcs(funcs).ParseFS(templateFS, "templates/*.html"))

// plural counts a thing: "1 alert", "2 alerts".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// Percent writes an uptime ratio as a percentage with four decimals, rounded down: a figure
// that reads as the target is never one that missed it.
func Percent(u *float64) string {
	if u == nil {
		return "no data"
	}
	return fmt.Sprintf("%.4f %%", math.Floor(*u*1e6)/1e4)
}

// Meter is a small bar of an error budget used: full width is the whole budget; from 75 % it
// turns to the warning colour, past the whole budget to the breach colour. It is decoration
// (aria-hidden): the figure beside it says the same in words.
func Meter(usedShare float64) template.HTML {
	class, fill := "ok", "#1a7f37"
	switch {
	case usedShare > 1:
		class, fill = "over", "#cf222e"
	case usedShare >= 0.75:
		class, fill = "warn", "#9a6700"
	}
	w := math.Round(min(max(usedShare, 0), 1) * 100)
	return template.HTML(fmt.Sprintf(`<svg class="meter %s" width="100" height="8" viewBox="0 0 100 8" aria-hidden="true"><rect class="track" width="100" height="8" rx="2" fill="%s"/><rect class="fill" width="%.0f" height="8" rx="2" fill="%s"/></svg>`,
		class, inkGrid, w, fill))
}

func execute(name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
