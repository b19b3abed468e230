//go:build race

package web_test

// raceDetector reports whether the tests run under the race detector,
// which makes them several times slower and multiplies memory use.
const raceDetector = true
