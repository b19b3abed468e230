package web

import (
	"fmt"
	"time"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Bounds on README rendering. Markdown parsers, goldmark v1.8.7 included,
// have inputs that cost time quadratic in their size: "> " repeated took
// 1.3 s at 64 KiB (so about 20 s at 256 KiB), and 256 KiB of "[a](" 20 s. A README is therefore rendered
// only when it is small enough, its blocks nest no deeper than a person
// would nest them, and the render finishes in time; otherwise the page says
// why and points to the package.
const (
	readmeMaxBytes    = 256 << 10              // README bytes rendered
	readmeMaxDepth    = 32                     // blocks open at once (quotes in lists in quotes...)
	readmeRenderLimit = 2 * time.Second        // one render, parse and HTML
	readmeWait        = 300 * time.Millisecond // how long a page waits for a render in progress
	readmeExpensive   = 50 * time.Millisecond  // renders slower than this are never evicted
)

// tooComplex is the panic a guard raises to stop a render that is over
// its bounds; render recovers it and turns it into a refusal.
type tooComplex struct{ why string }

// renderBudget is one render's deadline, kept in goldmark's parser
// context. The deadline is a duration from the render's start on the
// monotonic clock: it bounds work, and is no date the registry's clock
// would have to agree with.
type renderBudget struct{ deadline time.Time }

var budgetKey = parser.NewContextKey()

func budgetOf(pc parser.Context) {
	b, _ := pc.Get(budgetKey).(*renderBudget)
	if b != nil && time.Now().After(b.deadline) {
		panic(tooComplex{fmt.Sprintf("it takes longer than %v to render", readmeRenderLimit)})
	}
}

// guards are goldmark parsers that never parse anything: tried first at
// every block opening and every inline trigger, they stop the parse when
// blocks nest too deep or the time is up. Between two of their checks
// goldmark does at most one scan of the input, so a render overruns its
// limit by no more than that.
func guards() []parser.Option {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	var punct []byte
	for c := 0; c < 128; c++ {
		if util.IsPunct(byte(c)) || util.IsSpace(byte(c)) {
			punct = append(punct, byte(c))
		}
	}
	return []parser.Option{
		parser.WithBlockParsers(util.Prioritized(blockGuard{all}, 0)),
		parser.WithInlineParsers(util.Prioritized(inlineGuard{punct}, 0)),
	}
}

// blockGuard checks the budget and the nesting depth before any block
// parser runs.
type blockGuard struct{ trigger []byte }

func (g blockGuard) Trigger() []byte { return g.trigger }

func (blockGuard) Open(_ ast.Node, _ text.Reader, pc parser.Context) (ast.Node, parser.State) {
	budgetOf(pc)
	if len(pc.OpenedBlocks()) > readmeMaxDepth {
		panic(tooComplex{fmt.Sprintf("its blocks nest more than %d deep", readmeMaxDepth)})
	}
	return nil, parser.NoChildren
}

func (blockGuard) Continue(ast.Node, text.Reader, parser.Context) parser.State { return parser.Close }
func (blockGuard) Close(ast.Node, text.Reader, parser.Context)                 {}
func (blockGuard) CanInterruptParagraph() bool                                 { return true }
func (blockGuard) CanAcceptIndentedLine() bool                                 { return true }

// inlineGuard checks the budget before any inline parser runs.
type inlineGuard struct{ trigger []byte }

func (g inlineGuard) Trigger() []byte { return g.trigger }

func (inlineGuard) Parse(_ ast.Node, _ text.Reader, pc parser.Context) ast.Node {
	budgetOf(pc)
	return nil
}
