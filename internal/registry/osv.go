package registry

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Imports read advisories in the Open Source Vulnerability format
// (https://ossf.github.io/osv-schema/), which is how both OSV's bulk
// exports (the NuGet ecosystem's all.zip) and the GitHub Advisory
// Database (github/advisory-database, one OSV file per advisory) are
// published. An import file is one OSV document, a JSON array of them, or
// a zip archive of .json files. Only the affected packages of the NuGet
// ecosystem are kept.

// Bounds on an import, so a hostile or broken file cannot exhaust memory.
const (
	MaxImportFile     = 1 << 30 // the whole file
	MaxImportDocument = 4 << 20 // one advisory (a zip member or the whole JSON)
	MaxImportEntries  = 200000  // advisories in one file
)

// osvDoc is the part of an OSV document an import reads.
type osvDoc struct {
	ID         string    `json:"id"`
	Modified   time.Time `json:"modified"`
	Withdrawn  string    `json:"withdrawn"`
	Summary    string    `json:"summary"`
	References []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"references"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Type   string `json:"type"`
			Events []struct {
				Introduced   string `json:"introduced"`
				Fixed        string `json:"fixed"`
				LastAffected string `json:"last_affected"`
			} `json:"events"`
		} `json:"ranges"`
		Versions []string `json:"versions"`
	} `json:"affected"`
	DatabaseSpecific struct {
		Severity string `json:"severity"`
	} `json:"database_specific"`
}

// ImportResult counts what an import did.
type ImportResult struct {
	Added, Updated, Unchanged, Withdrawn int
	// Skipped lists the advisories left out, each with the reason.
	Skipped []string
}

// ImportAdvisories reads an OSV export (see above) and stores its NuGet
// advisories for the operator: a new ID is added, one already stored is
// replaced only when the file's "modified" is newer, so importing the
// same or an older export again changes nothing; a withdrawn advisory is
// removed. Errors: ErrInvalid for a file that is not an OSV export.
func (s *Service) ImportAdvisories(ctx context.Context, r io.ReaderAt, size int64) (*ImportResult, error) {
	if size > MaxImportFile {
		return nil, errorf(ErrTooLarge, "The import file is larger than %s.", SizeText(MaxImportFile))
	}
	docs, err := readOSV(r, size)
	if err != nil {
		return nil, err
	}
	res := &ImportResult{}
	defer s.advisories.invalidate()
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		a, why := d.advisory()
		if why != "" {
			res.Skipped = append(res.Skipped, EscapeText(d.ID)+": "+why)
			continue
		}
		if d.Withdrawn != "" {
			err := s.store.DeleteAdvisory(ctx, SourceImport, "", strings.ToLower(a.AdvisoryID), s.now())
			if err == nil {
				res.Withdrawn++
			} else if !errors.Is(err, ErrNotFound) {
				return res, err
			}
			continue
		}
		if err := a.check(); err != nil {
			res.Skipped = append(res.Skipped, EscapeText(d.ID)+": "+Message(err))
			continue
		}
		existing, err := s.store.Advisories(ctx, a.Affected[0].PackageID)
		if err != nil {
			return res, err
		}
		had := false
		for _, e := range existing {
			had = had || e.Source == SourceImport && strings.EqualFold(e.AdvisoryID, a.AdvisoryID)
		}
		changed, err := s.store.SaveAdvisory(ctx, a, s.now())
		switch {
		case err != nil:
			return res, err
		case !changed:
			res.Unchanged++
		case had:
			res.Updated++
		default:
			res.Added++
		}
	}
	s.audit(ctx, &AuditEvent{Kind: "advisory.import", Outcome: "done",
		Message: fmt.Sprintf("%d added, %d updated, %d unchanged, %d withdrawn, %d skipped", res.Added, res.Updated, res.Unchanged, res.Withdrawn, len(res.Skipped))})
	return res, nil
}

// advisory turns an OSV document into an imported advisory, or says why
// it has nothing for NuGet.
func (d *osvDoc) advisory() (*Advisory, string) {
	if d.ID == "" {
		return nil, "it has no id"
	}
	if d.Modified.IsZero() {
		return nil, "it has no modified time"
	}
	a := &Advisory{AdvisoryID: d.ID, Source: SourceImport, Modified: d.Modified.UTC(), Summary: d.Summary, CreatedAt: d.Modified.UTC()}
	sev, err := ParseSeverity(d.DatabaseSpecific.Severity)
	if err != nil {
		// OSV's own severity is a CVSS vector; GitHub's exports also give
		// the word, which is what NuGet shows. Without it: moderate.
		sev = SeverityModerate
	}
	a.Severity = sev
	for _, ref := range d.References {
		if ref.Type == "ADVISORY" && strings.HasPrefix(ref.URL, "https://") {
			a.URL = ref.URL
			break
		}
	}
	if a.URL == "" {
		a.URL = "https://osv.dev/vulnerability/" + d.ID
	}
	for _, af := range d.Affected {
		if !strings.EqualFold(af.Package.Ecosystem, "NuGet") {
			continue
		}
		id := af.Package.Name
		n := 0
		for _, r := range af.Ranges {
			if r.Type != "ECOSYSTEM" && r.Type != "SEMVER" {
				continue
			}
			for _, rg := range osvRanges(r.Events) {
				a.Affected = append(a.Affected, Affected{PackageID: id, Versions: rg})
				n++
			}
		}
		if n == 0 {
			for _, v := range af.Versions {
				a.Affected = append(a.Affected, Affected{PackageID: id, Versions: "[" + v + "]"})
			}
		}
	}
	if len(a.Affected) == 0 {
		return nil, "it names no NuGet package versions"
	}
	return a, ""
}

// osvRanges turns OSV range events (introduced, then fixed or
// last_affected) into NuGet ranges: introduced "0" is unbounded below,
// "fixed" an exclusive upper bound, "last_affected" an inclusive one.
func osvRanges(events []struct {
	Introduced   string `json:"introduced"`
	Fixed        string `json:"fixed"`
	LastAffected string `json:"last_affected"`
}) []string {
	var out []string
	lower, open := "", false
	for _, e := range events {
		switch {
		case e.Introduced != "":
			if open {
				out = append(out, lowerBound(lower)+" )")
			}
			lower, open = e.Introduced, true
		case e.Fixed != "" && open:
			out = append(out, lowerBound(lower)+" "+e.Fixed+")")
			open = false
		case e.LastAffected != "" && open:
			out = append(out, lowerBound(lower)+" "+e.LastAffected+"]")
			open = false
		}
	}
	if open {
		out = append(out, lowerBound(lower)+" )")
	}
	return out
}

func lowerBound(v string) string {
	if v == "0" {
		return "(,"
	}
	return "[" + v + ","
}

// readOSV reads the documents of an import file.
func readOSV(r io.ReaderAt, size int64) ([]osvDoc, error) {
	head := make([]byte, 4)
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, err
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		z, err := zip.NewReader(r, size)
		if err != nil {
			return nil, errorf(ErrInvalid, "The import file looks like a zip archive but cannot be read as one: %v.", err)
		}
		var out []osvDoc
		for _, f := range z.File {
			if !strings.HasSuffix(strings.ToLower(f.Name), ".json") || f.FileInfo().IsDir() {
				continue
			}
			if len(out) >= MaxImportEntries {
				return nil, errorf(ErrTooLarge, "The archive holds more than %d advisories; split it.", MaxImportEntries)
			}
			if f.UncompressedSize64 > MaxImportDocument {
				return nil, errorf(ErrTooLarge, "%s in the archive is larger than %s.", EscapeText(f.Name), SizeText(MaxImportDocument))
			}
			rc, err := f.Open()
			if err != nil {
				return nil, errorf(ErrInvalid, "%s in the archive cannot be read: %v.", EscapeText(f.Name), err)
			}
			b, err := io.ReadAll(io.LimitReader(rc, MaxImportDocument+1))
			rc.Close()
			if err != nil || len(b) > MaxImportDocument {
				return nil, errorf(ErrInvalid, "%s in the archive cannot be read.", EscapeText(f.Name))
			}
			var d osvDoc
			if err := json.Unmarshal(b, &d); err != nil {
				return nil, errorf(ErrInvalid, "%s in the archive is not an OSV document: %v.", EscapeText(f.Name), err)
			}
			out = append(out, d)
		}
		return out, nil
	}
	dec := json.NewDecoder(io.NewSectionReader(r, 0, size))
	tok, err := dec.Token()
	if err != nil {
		return nil, errorf(ErrInvalid, "The import file is neither JSON nor a zip archive of JSON files.")
	}
	if tok != json.Delim('[') {
		var d osvDoc
		if err := json.NewDecoder(io.NewSectionReader(r, 0, size)).Decode(&d); err != nil {
			return nil, errorf(ErrInvalid, "The import file is not an OSV document: %v.", err)
		}
		return []osvDoc{d}, nil
	}
	var out []osvDoc
	for dec.More() {
		if len(out) >= MaxImportEntries {
			return nil, errorf(ErrTooLarge, "The file holds more than %d advisories; split it.", MaxImportEntries)
		}
		var d osvDoc
		if err := dec.Decode(&d); err != nil {
			return nil, errorf(ErrInvalid, "Advisory %d of the import file is not an OSV document: %v.", len(out)+1, err)
		}
		out = append(out, d)
	}
	return out, nil
}
