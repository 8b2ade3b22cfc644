package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// fileError is a problem with the content of a config file, shown as
// "path:line: msg" (or "path: msg" when the line is unknown). It matches
// ErrInvalid and unwraps to the underlying error: a toml.ParseError (whose
// ErrorWithPosition shows the offending line) or a validation error.
type fileError struct {
	path string
	line int
	msg  string
	err  error
}

func (e *fileError) Error() string {
	if e.line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.path, e.line, e.msg)
	}
	return e.path + ": " + e.msg
}

func (e *fileError) Unwrap() error        { return e.err }
func (e *fileError) Is(target error) bool { return target == ErrInvalid }

// readFile reads a config file. A missing file is reported as ErrNotExist
// (wrapping the fs error too).
func readFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %w", ErrNotExist, err)
	}
	return string(data), err
}

// decodeStrict decodes TOML text into v. The caller then decodes any
// Primitives with the returned MetaData and must call checkStrict.
func decodeStrict(path, text string, v any) (toml.MetaData, error) {
	md, err := toml.Decode(text, v)
	return md, tomlError(path, err)
}

// tomlError turns an error of the toml package into a fileError.
func tomlError(path string, err error) error {
	if err == nil {
		return nil
	}
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" {
			msg = pe.LastKey + ": " + msg
		}
		return &fileError{path: path, line: pe.Position.Line, msg: msg, err: pe}
	}
	// Type mismatches are plain errors: `toml: line N (last key "k"): msg`.
	if m := typeErrorRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &fileError{path: path, line: line, msg: m[2] + ": " + m[3], err: err}
	}
	return &fileError{path: path, msg: strings.TrimPrefix(err.Error(), "toml: "), err: err}
}

var typeErrorRE = regexp.MustCompile(`^toml: line (\d+) \(last key "(.*?)"\): (.*)$`)

// checkStrict rejects every key of the document that schema (a struct type)
// does not declare with exactly that spelling, and a missing or unsupported
// version. The TOML decoder itself ignores unknown keys and matches field
// names case-insensitively ("Port" would set port), so rather than
// MetaData.Undecoded the check walks all the document's keys against the
// struct tags.
func checkStrict(path, text string, md toml.MetaData, schema reflect.Type, version int) error {
	var errs []error
	reported := map[string]bool{}
outer:
	for _, key := range md.Keys() {
		for i := 1; i < len(key); i++ { // report [bogus] once, not bogus.a too
			if reported[key[:i].String()] {
				continue outer
			}
		}
		if reported[key.String()] || knownKey(schema, key) {
			continue
		}
		reported[key.String()] = true
		errs = append(errs, unknownKeyError(path, text, md, key))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if !md.IsDefined("version") {
		// Line 1 is where it goes: before the first table, and editors
		// jump there from "path:1:".
		return &fileError{path: path, line: 1, msg: fmt.Sprintf("version: missing (want version = %d at the top)", SchemaVersion)}
	}
	if version != SchemaVersion {
		return &fileError{path: path, line: keyLine(text, md, toml.Key{"version"}),
			msg: fmt.Sprintf("version: unsupported version %d (want %d)", version, SchemaVersion)}
	}
	return nil
}

// knownKey reports whether key names a field of schema, following nested
// structs and slices of structs (arrays of tables) by their toml tags.
func knownKey(schema reflect.Type, key toml.Key) bool {
	t := schema
	for _, name := range key {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Map { // [channels.NAME]: any name
			t = t.Elem()
			continue
		}
		if t.Kind() != reflect.Struct {
			return false
		}
		found := false
		for f := range t.Fields() {
			tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if f.IsExported() && tag == name {
				t, found = f.Type, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func unknownKeyError(path, text string, md toml.MetaData, key toml.Key) error {
	msg := fmt.Sprintf("unknown key %q", key.String())
	err := &fileError{path: path, msg: msg}
	if pe, ok := keyPosition(text, md, key); ok {
		pe.Message, pe.LastKey = msg, ""
		err.line, err.err = pe.Position.Line, pe
	}
	return err
}

func keyLine(text string, md toml.MetaData, key toml.Key) int {
	pe, _ := keyPosition(text, md, key)
	return pe.Position.Line
}

// keyPosition finds where key is in the document. The toml package records
// key positions but exports them only in ParseErrors, so this decodes the
// document once more into a struct built for this one key whose leaf always
// fails to decode, and takes the position from the resulting ParseError. For
// a key repeated in an array of tables it is the position of the last one.
func keyPosition(text string, md toml.MetaData, key toml.Key) (toml.ParseError, bool) {
	t := reflect.TypeFor[positionProbe]()
	for i := len(key) - 1; i >= 0; i-- {
		if i < len(key)-1 {
			if typ := md.Type(key[:i+1]...); typ == "ArrayHash" || typ == "Array" {
				t = reflect.SliceOf(t)
			}
		}
		tag := reflect.StructTag(`toml:` + strconv.Quote(key[i]))
		t = reflect.StructOf([]reflect.StructField{{Name: "F", Type: t, Tag: tag}})
	}
	_, err := toml.Decode(text, reflect.New(t).Interface())
	var pe toml.ParseError
	ok := errors.As(err, &pe) && pe.Message == errPositionProbe.Error() && pe.LastKey == key.String()
	return pe, ok
}

var errPositionProbe = errors.New("config: position probe")

type positionProbe struct{}

func (positionProbe) UnmarshalTOML(any) error { return errPositionProbe }

// inFile prefixes each of the joined validation errors with path.
func inFile(path string, err error) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = &fileError{path: path, msg: e.Error(), err: e}
	}
	return errors.Join(out...)
}

// encode writes header (comment lines) and v as TOML, in struct field order.
func encode(header string, v any) []byte {
	var buf bytes.Buffer
	buf.WriteString(header)
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(v); err != nil {
		// Only unsupported Go types fail, and the schema has none.
		panic("config: encode: " + err.Error())
	}
	return buf.Bytes()
}

// WriteFileAtomic replaces path with data: it writes a temp file in the same
// directory with the given mode, fsyncs it, renames it over path and fsyncs
// the directory, so a reader sees the old or the new file, never a part. The
// directory is created (0755) if missing.
func WriteFileAtomic(path string, data []byte, mode fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
