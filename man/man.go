// Package man renders gluster-eventing's manual pages from the kong command
// model, so that the pages list exactly the commands, arguments and flags
// the binary accepts. The prose around them (description, files,
// environment, signals, exit status) is passed in through [Options]; the
// pages and their prose are [Pages].
//
// There is one page per command family (kong group): gluster-eventing(8)
// lists every command with its one-line help and refers to the family
// pages (gluster-eventing-daemon(8), -webhooks(8), -config(8), -tools(8)),
// which document the commands in full; gluster-eventing-config(8) also
// documents peer_gluster-eventing's node actions.
//
// The pages are written with github.com/muesli/roff, not mango-kong,
// because they need a fixed date (the committed pages must be
// reproducible) and render what mango-kong leaves out: positional
// arguments, defaults, environment variables, enums, aliases, and no hidden
// flags.
//
// The committed pages are man/gluster-eventing*.8 (generated; regenerate
// with go generate ./man) and man/gluster-eventing.toml.5 (hand-written).
// The tests check that the first match the current command trees, that
// every command is documented on some page and every config key on the
// last, and that all pass mandoc -T lint and man --warnings.
//
// It imports kong and roff only, so that cmd/ could import it (say, for a
// hidden command printing the page) without a cycle. Tests and go generate
// use it; the daemon does not.
package man

//go:generate go test -run ^TestPage$ -update

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/alecthomas/kong"
	"github.com/muesli/roff"
)

// Options is everything on the page that does not come from the kong model.
type Options struct {
	// Section is the manual section, such as 8.
	Section uint
	// Date is printed in the page footer. Pass a fixed date, never
	// time.Now(), so that the output is reproducible.
	Date time.Time
	// Manual is the .TH manual title, such as "System Manager's Manual".
	Manual string
	// Names are the program names in the NAME section; empty means the
	// application's name.
	Names []string
	// Summary is the one-line description after the names.
	Summary string
	// Synopsis holds extra synopsis lines after the generated one, such as
	// "glustereventsd [-p PATH]". Words starting with '-' are set in bold,
	// upper-case words in italic.
	Synopsis []string
	// Description holds paragraphs of the DESCRIPTION section.
	Description []string
	// ExitCodes fill the EXIT STATUS section.
	ExitCodes []ExitStatus
	// Environment, Files and Signals fill sections of the same names.
	// Environment variables read by flags (env tags) are added to
	// Environment when not already listed.
	Environment []Item
	Files       []Item
	Signals     []Item
	// Examples are shown as commands, each with a paragraph before it.
	Examples []Example
	// SeeAlso are page references such as "gluster(8)".
	SeeAlso []string

	// Name is the page's name (the .TH title); empty means the
	// application's name. A command family's page has its own name, such
	// as "gluster-eventing-webhooks".
	Name string
	// Groups, when set, makes the page a command family's: COMMANDS holds
	// only the commands of these kong groups (by title), in full, and the
	// global options are left to the main page (GlobalOptionsPage).
	Groups []string
	// GlobalOptionsPage is the page that documents the global options, for
	// a family page's reference to it, such as "gluster-eventing(8)".
	GlobalOptionsPage string
	// GroupPages maps a kong group title to the family page that
	// documents its commands, such as "gluster-eventing-webhooks(8)". On
	// a page without Groups, those commands are listed with their
	// one-line help and the reference only.
	GroupPages map[string]string
	// Trees are further command trees documented after COMMANDS, each
	// in a section of its own (the node actions of peer_gluster-eventing).
	Trees []Tree
}

// Tree is another program's command tree, in a section of a page.
type Tree struct {
	// Title is the section heading, such as "Node actions".
	Title string
	// Text is the paragraph before the commands.
	Text string
	App  *kong.Application
}

// ExitStatus is one exit code and what it means.
type ExitStatus struct {
	Code    int
	Meaning string
}

// Item is a term and its explanation, such as a file or a variable.
type Item struct {
	Term string
	Text string
}

// Example is a command line and what it does.
type Example struct {
	Text    string
	Command string
}

// Generate renders the manual page of app. The output is the same for the
// same model and options.
func Generate(app *kong.Application, opts Options) []byte {
	w := &writer{d: roff.NewDocument(), opts: &opts}
	name := app.Name
	title := opts.Name
	if title == "" {
		title = name
	}
	w.d.Heading(opts.Section, title, opts.Manual, opts.Date)

	w.section("Name")
	names := opts.Names
	if len(names) == 0 {
		names = []string{title}
	}
	w.text(strings.Join(names, ", ") + " - " + opts.Summary)

	w.section("Synopsis")
	w.synopsis(name + " [GLOBAL-OPTIONS] COMMAND [ARGUMENTS]")
	for _, s := range opts.Synopsis {
		w.paragraph()
		w.synopsis(s)
	}

	if len(opts.Description) > 0 {
		w.section("Description")
		w.paragraphs(opts.Description)
	}

	if flags := visibleFlags(app.Node); len(flags) > 0 && len(opts.Groups) == 0 {
		w.section("Global options")
		for _, f := range flags {
			w.flag(f)
		}
	}

	w.section("Commands")
	if len(opts.Groups) > 0 && len(visibleFlags(app.Node)) > 0 && opts.GlobalOptionsPage != "" {
		w.text("The global options (")
		for i, f := range visibleFlags(app.Node) {
			if i > 0 {
				w.text(", ")
			}
			w.bold("--" + f.Name)
		}
		w.text(") go before the command; see ")
		w.pageRef(opts.GlobalOptionsPage)
		w.text(".")
		w.endLine()
	}
	w.commands(app.Node)

	for _, tr := range opts.Trees {
		w.section(tr.Title)
		if tr.Text != "" {
			w.text(tr.Text)
			w.endLine()
		}
		if flags := visibleFlags(tr.App.Node); len(flags) > 0 {
			w.paragraph()
			w.text("Options of " + tr.App.Name + ":")
			w.endLine()
			for _, f := range flags {
				w.flag(f)
			}
		}
		inner := &writer{d: w.d, opts: &Options{}}
		inner.commands(tr.App.Node)
	}

	if len(opts.ExitCodes) > 0 {
		w.section("Exit status")
		for _, e := range opts.ExitCodes {
			w.item(fmt.Sprint(e.Code), e.Meaning, (*writer).bold)
		}
	}

	if env := environment(app.Node, opts.Environment, w.included); len(env) > 0 {
		w.section("Environment")
		for _, it := range env {
			w.item(it.Term, it.Text, (*writer).bold)
		}
	}
	if len(opts.Files) > 0 {
		w.section("Files")
		for _, it := range opts.Files {
			w.item(it.Term, it.Text, (*writer).italic)
		}
	}
	if len(opts.Signals) > 0 {
		w.section("Signals")
		for _, it := range opts.Signals {
			w.item(it.Term, it.Text, (*writer).bold)
		}
	}
	if len(opts.Examples) > 0 {
		w.section("Examples")
		for _, ex := range opts.Examples {
			w.paragraph()
			w.text(ex.Text)
			w.d.Indent(4)
			w.bold(ex.Command)
			w.d.IndentEnd()
		}
	}
	if len(opts.SeeAlso) > 0 {
		w.section("See also")
		for i, ref := range opts.SeeAlso {
			w.pageRef(ref)
			if i < len(opts.SeeAlso)-1 {
				w.text(",")
			}
			w.endLine()
		}
	}
	w.endLine()
	return []byte(w.d.String())
}

// writer wraps roff.Document with the escaping it does not do.
type writer struct {
	d    *roff.Document
	opts *Options
}

// pageRef writes a page reference such as "gluster(8)": the name in bold.
func (w *writer) pageRef(ref string) {
	page, sect, ok := strings.Cut(ref, "(")
	if ok {
		sect = "(" + sect
	}
	w.bold(page)
	w.text(sect)
}

// groupTitle is the title of the kong group of c, or "".
func groupTitle(c *kong.Node) string {
	if c.Group == nil {
		return ""
	}
	return c.Group.Title
}

// included says whether a top-level command c is on this page: on a
// family page, when its group is one of the page's.
func (w *writer) included(c *kong.Node) bool {
	if len(w.opts.Groups) == 0 {
		return true
	}
	top := c
	for top.Parent != nil && top.Parent.Type == kong.CommandNode {
		top = top.Parent
	}
	return slices.Contains(w.opts.Groups, groupTitle(top))
}

// brief says whether c is only listed here, its details being on the page
// of its group.
func (w *writer) brief(c *kong.Node) (page string, ok bool) {
	if len(w.opts.Groups) > 0 {
		return "", false
	}
	page, ok = w.opts.GroupPages[groupTitle(c)]
	return page, ok
}

var space = regexp.MustCompile(`\s+`)

// clean makes s safe for roff.Document's text methods: they pass the text
// to fmt as a format string (so % must be doubled) and turn newlines into
// paragraphs (so inline text must not have any). At the start of an output
// line, leading space (a break in roff) is dropped.
func (w *writer) clean(s string) string {
	s = space.ReplaceAllString(s, " ")
	if w.atLineStart() {
		s = strings.TrimLeft(s, " ")
	}
	return strings.ReplaceAll(s, "%", "%%")
}

func (w *writer) atLineStart() bool {
	out := w.d.String()
	return out == "" || strings.HasSuffix(out, "\n")
}

func (w *writer) text(s string) {
	s = w.clean(s)
	// roff.Document escapes a leading "." but not the other control
	// character, "'": an empty font change in front of it is invisible.
	if strings.HasPrefix(s, "'") && w.atLineStart() {
		w.d.TextBold("")
	}
	w.d.Text(s)
}

func (w *writer) bold(s string) {
	w.d.TextBold(w.clean(s))
}

func (w *writer) italic(s string) {
	w.d.TextItalic(w.clean(s))
}

// endLine ends the current output line (roff.Document's EndSection writes a
// newline unless the output is at the start of a line).
func (w *writer) endLine() { w.d.EndSection() }

// paragraph starts a paragraph, except right after a section heading,
// which starts one already (mandoc warns about .PP after .SH).
func (w *writer) paragraph() {
	w.endLine()
	out := strings.TrimSuffix(w.d.String(), "\n")
	if last := out[strings.LastIndexByte(out, '\n')+1:]; strings.HasPrefix(last, ".SH ") {
		return
	}
	w.d.Paragraph()
}

func (w *writer) section(title string) {
	w.endLine()
	w.d.Section(title)
}

// paragraphs writes each string as a paragraph.
func (w *writer) paragraphs(ps []string) {
	for i, p := range ps {
		if i > 0 {
			w.paragraph()
		}
		w.text(p)
	}
	w.endLine()
}

// item writes a tagged paragraph: term (in the given font) and its text.
func (w *writer) item(term, text string, font func(*writer, string)) {
	w.endLine()
	w.d.TaggedParagraph(-1)
	font(w, term)
	w.endLine()
	w.text(text)
	w.endLine()
}

// synopsis writes a synopsis line: flags in bold, upper-case placeholders in
// italic, the rest (the program name first) in bold except brackets and
// ellipses.
func (w *writer) synopsis(line string) {
	for i, word := range strings.Fields(line) {
		if i > 0 {
			w.text(" ")
		}
		// Split off leading "[" and trailing "]", "...", "|".
		core := strings.TrimLeft(word, "[")
		w.text(word[:len(word)-len(core)])
		trail := ""
		for {
			switch {
			case strings.HasSuffix(core, "]"):
				core, trail = core[:len(core)-1], "]"+trail
				continue
			case strings.HasSuffix(core, "..."):
				core, trail = core[:len(core)-3], "..."+trail
				continue
			}
			break
		}
		flag, value, hasValue := strings.Cut(core, "=")
		switch {
		case core == "":
		case strings.HasPrefix(core, "-"):
			w.bold(flag)
			if hasValue {
				w.text("=")
				w.italic(value)
			}
		case isPlaceholder(core):
			w.italic(core)
		default:
			w.bold(core)
		}
		w.text(trail)
	}
	w.endLine()
}

func isPlaceholder(s string) bool {
	return strings.ToUpper(s) == s && strings.ToLower(s) != s
}

// commands writes every visible command below n, depth first.
func (w *writer) commands(n *kong.Node) {
	var group *kong.Group
	for _, c := range n.Children {
		if c.Hidden || c.Type != kong.CommandNode || !w.included(c) {
			continue
		}
		page, brief := w.brief(c)
		if c.Group != nil && (group == nil || c.Group.Key != group.Key) {
			group = c.Group
			w.paragraph()
			title := group.Title
			if group.Description != "" {
				title += ": " + group.Description
			}
			w.italic(title)
			if brief {
				w.text(" (see ")
				w.pageRef(page)
				w.text(")")
			}
			w.endLine()
		}
		if brief {
			w.endLine()
			w.d.TaggedParagraph(-1)
			w.bold(commandPath(c))
			w.endLine()
			w.text(sentence(c.Help))
			w.endLine()
			continue
		}
		w.command(c)
		w.commands(c)
	}
}

// command writes one command: its synopsis as the tag, its help, then its
// details, arguments, flags and aliases indented below.
func (w *writer) command(c *kong.Node) {
	w.endLine()
	w.d.TaggedParagraph(-1)
	w.bold(commandPath(c))
	for _, f := range visibleFlags(c) {
		w.text(" ")
		if !f.Required {
			w.text("[")
		}
		if f.Short != 0 {
			w.bold("-" + string(f.Short))
		} else {
			w.bold("--" + f.Name)
		}
		if !f.IsBool() && !f.IsCounter() {
			w.text(" ")
			w.italic(placeholder(f))
		}
		if !f.Required {
			w.text("]")
		}
	}
	for _, p := range c.Positional {
		w.text(" ")
		if !p.Required {
			w.text("[")
		}
		w.italic(p.Name)
		if p.IsCumulative() {
			w.text("...")
		}
		if !p.Required {
			w.text("]")
		}
	}
	w.endLine()
	w.text(sentence(c.Help))
	w.endLine()

	flags := visibleFlags(c)
	if c.Detail == "" && len(c.Positional) == 0 && len(flags) == 0 && len(c.Aliases) == 0 {
		return
	}
	w.d.Indent(-1)
	if c.Detail != "" {
		for _, p := range strings.Split(strings.TrimSpace(c.Detail), "\n\n") {
			w.d.Paragraph()
			w.text(p)
			w.endLine()
		}
	}
	for _, p := range c.Positional {
		w.d.TaggedParagraph(-1)
		w.italic(p.Name)
		w.endLine()
		w.text(valueHelp(p, nil))
		w.endLine()
	}
	for _, f := range flags {
		w.flag(f)
	}
	if len(c.Aliases) > 0 {
		w.d.Paragraph()
		w.text("Aliases: ")
		for i, a := range c.Aliases {
			if i > 0 {
				w.text(", ")
			}
			w.bold(a)
		}
		w.text(".")
		w.endLine()
	}
	w.d.IndentEnd()
}

// flag writes one flag as a tagged paragraph.
func (w *writer) flag(f *kong.Flag) {
	w.endLine()
	w.d.TaggedParagraph(-1)
	if f.Short != 0 {
		w.bold("-" + string(f.Short))
		w.text(", ")
	}
	if f.Tag != nil && f.Tag.Negatable != "" {
		w.bold("--[no-]" + f.Name)
	} else {
		w.bold("--" + f.Name)
	}
	if !f.IsBool() && !f.IsCounter() {
		w.text("=")
		w.italic(placeholder(f))
	}
	w.endLine()
	w.text(valueHelp(f.Value, f))
	w.endLine()
}

// valueHelp is the help of a flag or argument followed by what kong's own
// help leaves out or the model knows: enum, default, environment, aliases.
func valueHelp(v *kong.Value, f *kong.Flag) string {
	parts := []string{sentence(v.Help)}
	if v.Enum != "" {
		var enum []string
		for _, e := range v.EnumSlice() {
			if e != "" {
				enum = append(enum, e)
			}
		}
		parts = append(parts, "One of: "+strings.Join(enum, ", ")+".")
	}
	if v.HasDefault && v.Default != "" && !(v.IsBool() && v.Default == "false") {
		parts = append(parts, "Default: "+v.Default+".")
	}
	if f != nil {
		if len(f.Envs) > 0 {
			parts = append(parts, "Environment: "+strings.Join(f.Envs, ", ")+".")
		}
		if len(f.Aliases) > 0 {
			aliases := make([]string, len(f.Aliases))
			for i, a := range f.Aliases {
				aliases[i] = "--" + a
			}
			parts = append(parts, "Also "+strings.Join(aliases, ", ")+".")
		}
	}
	return strings.Join(parts, " ")
}

// sentence ends s with a period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// placeholder names a flag's value: its placeholder tag, else its name in
// upper case (kong's own fallback, a quoted default, reads badly here).
func placeholder(f *kong.Flag) string {
	if f.PlaceHolder != "" {
		return f.PlaceHolder
	}
	return strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
}

// visibleFlags returns n's own flags that are not hidden.
func visibleFlags(n *kong.Node) []*kong.Flag {
	var out []*kong.Flag
	for _, f := range n.Flags {
		if !f.Hidden {
			out = append(out, f)
		}
	}
	return out
}

// commandPath is the command's names from below the root, such as
// "webhook-add".
func commandPath(n *kong.Node) string {
	var names []string
	for ; n != nil && n.Type == kong.CommandNode; n = n.Parent {
		names = append([]string{n.Name}, names...)
	}
	return strings.Join(names, " ")
}

// environment returns the listed variables plus those read by visible flags
// anywhere in the tree that the list does not mention.
func environment(root *kong.Node, listed []Item, included func(*kong.Node) bool) []Item {
	out := append([]Item(nil), listed...)
	seen := map[string]bool{}
	for _, it := range listed {
		seen[it.Term] = true
	}
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		for _, f := range visibleFlags(n) {
			for _, e := range f.Envs {
				if !seen[e] {
					seen[e] = true
					text := "Default for --" + f.Name
					if path := commandPath(n); path != "" {
						text += " of " + path
					}
					out = append(out, Item{e, text + "."})
				}
			}
		}
		for _, c := range n.Children {
			if !c.Hidden && included(c) {
				walk(c)
			}
		}
	}
	walk(root)
	return out
}
