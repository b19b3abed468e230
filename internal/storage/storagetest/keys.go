package storagetest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/storage"
)

// invalidKeys are keys every backend must reject.
var invalidKeys = []string{
	"", "../x", "/abs", "a//b", "a/./b", "a/../b", "a/", ".", "..", "x/..",
	"a b", `a\b`, "a/b?", "a:b", "é", "a\x00b", "a\nb",
	strings.Repeat("a/", storage.MaxKeyLen/2) + "a",
	strings.Repeat("s", storage.MaxSegmentLen+1),
}

func testInvalidKeys(t *testing.T, s storage.Blobs) {
	ctx := t.Context()
	for _, key := range invalidKeys {
		if err := storage.ValidKey(key); !isInvalid(err) {
			t.Errorf("ValidKey(%q) = %v; want ErrInvalidKey", key, err)
		}
		if err := s.Put(ctx, key, strings.NewReader("x"), 1); !isInvalid(err) {
			t.Errorf("Put(%q) = %v; want ErrInvalidKey", key, err)
		}
		if b, err := s.Open(ctx, key); !isInvalid(err) {
			if err == nil {
				b.Close()
			}
			t.Errorf("Open(%q) = %v; want ErrInvalidKey", key, err)
		}
		if _, err := s.Stat(ctx, key); !isInvalid(err) {
			t.Errorf("Stat(%q) = %v; want ErrInvalidKey", key, err)
		}
		if err := s.Delete(ctx, key); !isInvalid(err) {
			t.Errorf("Delete(%q) = %v; want ErrInvalidKey", key, err)
		}
	}
	wantEmpty(t, s)
}

// longestKey is a valid key of exactly storage.MaxKeyLen bytes.
func longestKey() string {
	seg := strings.Repeat("x", storage.MaxSegmentLen)
	k := seg + "/" + seg + "/" + seg + "/" + seg[1:] // 3*255+254+3 = 1022 bytes
	return k + "/" + strings.Repeat("y", storage.MaxKeyLen-len(k)-1)
}

func testValidKeys(t *testing.T, s storage.Blobs) {
	keys := []string{
		"a",
		"A-Z_0.9+x",
		"packages/my.pkg/1.0.0-rc.1+build.5/0123abcd/my.pkg.1.0.0-rc.1+build.5.nupkg",
		"dots/.../.hidden",
		"nested/.tmp",
		longestKey(),
	}
	for i, key := range keys {
		if err := storage.ValidKey(key); err != nil {
			t.Errorf("ValidKey(%q) = %v; want nil", key, err)
			continue
		}
		data := bytes.Repeat([]byte{byte(i)}, i+1)
		mustPut(t, s, key, data)
		wantContent(t, s, key, data)
	}
	if got := listKeys(t, s, ""); len(got) != len(keys) {
		t.Errorf("List(\"\") found %d keys; want %d", len(got), len(keys))
	}
}
