package cli

import (
	"context"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"vigie/internal/app"
	"vigie/internal/clock"
	"vigie/internal/errs"
	"vigie/internal/report"
	"vigie/internal/status"
)

func newReportCmd(env Env, f *rootFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Print SLA and weekly reports of a status page",
		Long: `Reports are made per status page from the stored record of state changes, in the page's
time zone: the calendar-month SLA (uptime per component and for the page, the error budget,
what was used and what is left, the breach, the downtime episodes) and the weekly report.`,
	}
	cmd.AddCommand(newReportSLACmd(env, f), newReportWeeklyCmd(env, f))
	return cmd
}

// withReports is the body of a report command: fn gets the report service over the
// configured store and the page named by --page.
func withReports(env Env, f *rootFlags, slug *string, fn func(ctx context.Context, svc *report.Service, p *status.Page) error) func(*cobra.Command, []string) error {
	return run(func(cmd *cobra.Command, _ []string) error {
		st, cfg, err := openStore(cmd.Context(), env, f.configPath, true)
		if err != nil {
			return err
		}
		defer st.Close()
		svc, pages, err := app.OfflineReports(cfg, st, clock.Real{})
		if err != nil {
			return err
		}
		p, err := report.FindPage(pages, *slug)
		if err != nil {
			return usage("--%s", errs.MessageOf(err))
		}
		return fn(cmd.Context(), svc, p)
	})
}

func checkFormat(format string, allowed ...string) error {
	if !slices.Contains(allowed, format) {
		return usage("--format %q: want one of %v", format, allowed)
	}
	return nil
}

func newReportSLACmd(env Env, f *rootFlags) *cobra.Command {
	var slug, monthText, format string
	cmd := &cobra.Command{
		Use:   "sla --page SLUG [--month YYYY-MM] [--format table|csv|json|html]",
		Short: "The calendar-month SLA report of a status page",
		Long: `Print a page's SLA report for a calendar month (default: the current one, so far).
--format html writes a self-contained printable document: open it in a browser and print it
to PDF.`,
		Example: "  vigie report sla --page acme --month 2026-05\n  vigie report sla --page acme --month 2026-05 --format html > sla-acme-2026-05.html",
		Args:    cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if monthText != "" {
				if _, err := report.ParseMonth(monthText); err != nil {
					return usage("--%s", errs.MessageOf(err))
				}
			}
			return checkFormat(format, "table", "csv", "json", "html")
		},
		RunE: withReports(env, f, &slug, func(ctx context.Context, svc *report.Service, p *status.Page) error {
			month := report.MonthOf(time.Now(), p.Location)
			if monthText != "" {
				month, _ = report.ParseMonth(monthText)
			}
			r, err := svc.SLA(ctx, p, month)
			if errs.Is(err, errs.Invalid) {
				return usage("%s", errs.MessageOf(err))
			}
			if err != nil {
				return err
			}
			switch format {
			case "csv":
				return r.CSV(env.Stdout)
			case "json":
				return printJSON(env.Stdout, r)
			case "html":
				b, err := r.Printable()
				if err != nil {
					return err
				}
				_, err = env.Stdout.Write(b)
				return err
			}
			return r.Table(env.Stdout)
		}),
	}
	cmd.Flags().StringVar(&slug, "page", "", "status page slug (required)")
	cmd.Flags().StringVar(&monthText, "month", "", "calendar month, YYYY-MM (default: this month in the page's time zone)")
	cmd.Flags().StringVar(&format, "format", "table", "table, csv, json or html")
	_ = cmd.MarkFlagRequired("page")
	return cmd
}

func newReportWeeklyCmd(env Env, f *rootFlags) *cobra.Command {
	var slug, weekText, format string
	cmd := &cobra.Command{
		Use:   "weekly --page SLUG [--week YYYY-Www] [--format text|json|html]",
		Short: "The weekly report of a status page",
		Long: `Print a page's weekly report (Monday to Monday in the page's time zone): uptime per
component against the week before, incidents, alerts, response times, top offenders. The
default week is the last whole one. --format html writes the e-mail's HTML document.`,
		Example: "  vigie report weekly --page acme\n  vigie report weekly --page acme --week 2026-W23 --format json",
		Args:    cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if weekText != "" {
				if _, err := report.ParseWeek(weekText); err != nil {
					return usage("--%s", errs.MessageOf(err))
				}
			}
			return checkFormat(format, "text", "json", "html")
		},
		RunE: withReports(env, f, &slug, func(ctx context.Context, svc *report.Service, p *status.Page) error {
			week := report.WeekOf(time.Now(), p.Location).Previous(p.Location)
			if weekText != "" {
				week, _ = report.ParseWeek(weekText)
			}
			r, err := svc.Weekly(ctx, p, week, nil)
			if errs.Is(err, errs.Invalid) {
				return usage("%s", errs.MessageOf(err))
			}
			if err != nil {
				return err
			}
			switch format {
			case "json":
				return printJSON(env.Stdout, r)
			case "html":
				h, err := r.Email()
				if err != nil {
					return err
				}
				_, err = io.WriteString(env.Stdout, h)
				return err
			}
			_, err = io.WriteString(env.Stdout, r.Text())
			return err
		}),
	}
	cmd.Flags().StringVar(&slug, "page", "", "status page slug (required)")
	cmd.Flags().StringVar(&weekText, "week", "", "ISO week, YYYY-Www (default: the last whole week in the page's time zone)")
	cmd.Flags().StringVar(&format, "format", "text", "text, json or html")
	_ = cmd.MarkFlagRequired("page")
	return cmd
}
