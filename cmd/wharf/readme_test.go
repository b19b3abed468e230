package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECommandsExist: every wharf command line in the README's shell
// blocks names a subcommand that exists, with flags it has and as many
// arguments as it takes, so the newcomer's path cannot rot when a command
// or flag is renamed. (What the commands do is walked by the end-to-end
// tests; this checks the spelling.)
func TestREADMECommandsExist(t *testing.T) {
	text, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := readmeWharfLines(string(text))
	if len(lines) < 10 {
		t.Fatalf("found only %d wharf command lines in the README's sh blocks: %q", len(lines), lines)
	}
	for _, args := range lines {
		root := newRootCmd(func(string) string { return "" })
		cmd, rest, err := root.Find(args)
		if err != nil || cmd == root || !cmd.Runnable() {
			t.Errorf("README: wharf %s: no such command (%v)", strings.Join(args, " "), err)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("README: wharf %s: %v", strings.Join(args, " "), err)
			continue
		}
		if cmd.Args != nil {
			if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
				t.Errorf("README: wharf %s: %v", strings.Join(args, " "), err)
			}
		}
	}
}

var readmeBlock = regexp.MustCompile("(?s)```sh\n(.*?)```")

// readmeWharfLines returns the arguments of each "./wharf" or
// "go run ./cmd/wharf" invocation in the README's sh blocks.
func readmeWharfLines(readme string) [][]string {
	var out [][]string
	for _, m := range readmeBlock.FindAllStringSubmatch(readme, -1) {
		script := strings.ReplaceAll(m[1], "\\\n", " ")
		for _, line := range strings.Split(script, "\n") {
			for _, prefix := range []string{"go run ./cmd/wharf ", "./wharf "} {
				for i := strings.Index(line, prefix); i >= 0; {
					rest := line[i+len(prefix):]
					out = append(out, shellWords(rest))
					line = rest
					i = strings.Index(line, prefix)
				}
			}
		}
	}
	return out
}

// shellWords splits a command line into words as sh would (quotes, no
// expansion), stopping at a comment, a pipe, "&", ";" or the ")" that
// closes a $(...).
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case !inWord && r == '#', r == '&', r == '|', r == ';', r == ')':
			if inWord {
				words = append(words, cur.String())
			}
			return words
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
