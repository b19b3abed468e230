package nuget

import (
	"archive/zip"
	"errors"
	"io"
)

// checkEntryData decompresses every entry once, reading at most one byte
// more than its header declares, and refuses an entry whose data does not
// match its header: more data than declared (a zip bomb that hides its
// size: the declared total is what indexEntries bounds, and what a client
// that trusts the headers prepares to extract), less, a wrong CRC-32, or a
// compression method other than store and deflate. Together with the
// declared-total limit this bounds what extracting the package writes, and
// a package that cannot be extracted is refused here rather than at every
// restore. The work is bounded by the declared total.
func checkEntryData(files []*zip.File) error {
	buf := make([]byte, 64<<10)
	for _, f := range files {
		if err := checkEntry(f, buf); err != nil {
			return err
		}
	}
	return nil
}

// checkEntry reads one entry through archive/zip, which checks its size
// and CRC-32 against the central directory as it reads. The caller has
// bounded the declared size (indexEntries).
func checkEntry(f *zip.File, buf []byte) error {
	rc, err := f.Open()
	if err != nil {
		return damaged(f, err)
	}
	defer rc.Close()
	declared := int64(f.UncompressedSize64)
	n, err := io.CopyBuffer(io.Discard, io.LimitReader(rc, declared+1), buf)
	if n > declared || errors.Is(err, zip.ErrFormat) { // archive/zip fails a read past the declared size
		return invalidf("The package's entry '%s' expands to more than the %s its zip header declares: the package is damaged or a zip bomb.", display(f.Name), sizeText(declared))
	}
	if err != nil {
		return damaged(f, err)
	}
	return nil
}
