package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// state is a directory's content: name → data, directories as "<dir>".
func state(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, e := range ents {
		if e.IsDir() {
			m[e.Name()] = "<dir>"
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}

func TestWriteAll(t *testing.T) {
	tests := []struct {
		name     string
		before   map[string]string // "<dir>" makes a directory
		write    []File
		failNth  int               // make the nth rename into place fail (1-based); 0: none
		noLinks  bool              // a file system without hard links: old files are moved aside
		appear   map[string]string // files another process makes once the write has checked
		wantErr  string
		wantDir  map[string]string // nil: unchanged from before
		wantPerm map[string]os.FileMode
	}{
		{
			name:     "new files",
			write:    []File{{"a.key", []byte("K"), Private, false}, {"a.pub", []byte("P"), Public, false}},
			wantDir:  map[string]string{"a.key": "K", "a.pub": "P"},
			wantPerm: map[string]os.FileMode{"a.key": Private, "a.pub": Public},
		},
		{
			name:     "replace a pair",
			before:   map[string]string{"a.key": "old K", "a.pub": "old P"},
			write:    []File{{"a.key", []byte("K"), Private, false}, {"a.pub", []byte("P"), Public, false}},
			wantDir:  map[string]string{"a.key": "K", "a.pub": "P"},
			wantPerm: map[string]os.FileMode{"a.key": Private, "a.pub": Public},
		},
		{
			name:    "a directory in the second file's place",
			before:  map[string]string{"a.key": "old K", "a.pub": "<dir>"},
			write:   []File{{"a.key", []byte("K"), Private, false}, {"a.pub", []byte("P"), Public, false}},
			wantErr: "a.pub: is a directory",
		},
		{
			name:    "second rename fails: the first old file comes back",
			before:  map[string]string{"a.key": "old K", "a.pub": "old P"},
			write:   []File{{"a.key", []byte("K"), Private, false}, {"a.pub", []byte("P"), Public, false}},
			failNth: 2,
			wantErr: "injected",
		},
		{
			name:    "second rename fails: a first file that was new is removed",
			before:  map[string]string{"a.pub": "old P"},
			write:   []File{{"a.key", []byte("K"), Private, false}, {"a.pub", []byte("P"), Public, false}},
			failNth: 2,
			wantErr: "injected",
		},
		{
			name:    "no hard links, second rename fails",
			before:  map[string]string{"a.key": "old K", "a.pub": "old P"},
			write:   []File{{"a.key", []byte("K"), Private, false}, {"a.pub", []byte("P"), Public, false}},
			failNth: 2,
			noLinks: true,
			wantErr: "injected",
		},
		{
			name:     "no hard links, replace a pair",
			before:   map[string]string{"a.key": "old K", "a.pub": "old P"},
			write:    []File{{"a.key", []byte("K"), Private, false}, {"a.pub", []byte("P"), Public, false}},
			noLinks:  true,
			wantDir:  map[string]string{"a.key": "K", "a.pub": "P"},
			wantPerm: map[string]os.FileMode{"a.key": Private, "a.pub": Public},
		},
		{
			name:    "first rename fails",
			before:  map[string]string{"a.key": "old K"},
			write:   []File{{"a.key", []byte("K"), Private, false}},
			failNth: 1,
			wantErr: "injected",
		},
		{
			name:    "no replace: an existing second file",
			before:  map[string]string{"a.pub": "old P"},
			write:   []File{{"a.key", []byte("K"), Private, true}, {"a.pub", []byte("P"), Public, true}},
			wantErr: "a.pub: file already exists",
		},
		{
			name:     "no replace: new files",
			write:    []File{{"a.key", []byte("K"), Private, true}, {"a.pub", []byte("P"), Public, true}},
			wantDir:  map[string]string{"a.key": "K", "a.pub": "P"},
			wantPerm: map[string]os.FileMode{"a.key": Private, "a.pub": Public},
		},
		{
			name:    "no replace: a file appears after the check",
			write:   []File{{"a.key", []byte("K"), Private, true}, {"a.pub", []byte("P"), Public, true}},
			appear:  map[string]string{"a.pub": "theirs"},
			wantErr: "a.pub: file already exists",
			wantDir: map[string]string{"a.pub": "theirs"},
		},
		{
			name:     "no replace, no hard links: new files",
			write:    []File{{"a.key", []byte("K"), Private, true}, {"a.pub", []byte("P"), Public, true}},
			noLinks:  true,
			wantDir:  map[string]string{"a.key": "K", "a.pub": "P"},
			wantPerm: map[string]os.FileMode{"a.key": Private, "a.pub": Public},
		},
		{
			name:    "one path twice",
			before:  map[string]string{"a": "old"},
			write:   []File{{"a", []byte("1"), Public, false}, {"./a", []byte("2"), Public, false}},
			wantErr: "named twice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.before {
				p := filepath.Join(dir, name)
				var err error
				if data == "<dir>" {
					err = os.Mkdir(p, 0o755)
				} else {
					err = os.WriteFile(p, []byte(data), 0o640)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if tt.failNth > 0 {
				calls := 0
				rename = func(from, to string) error {
					if calls++; calls == tt.failNth {
						return errors.New("injected")
					}
					return os.Rename(from, to)
				}
				t.Cleanup(func() { rename = os.Rename })
			}
			if tt.noLinks {
				link = func(string, string) error { return errors.ErrUnsupported }
				t.Cleanup(func() { link = os.Link })
			}
			if tt.appear != nil {
				// The first link or rename is the first step after the checks.
				inner := link
				link = func(from, to string) error {
					for name, data := range tt.appear {
						if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
							t.Fatal(err)
						}
					}
					tt.appear = nil
					return inner(from, to)
				}
				t.Cleanup(func() { link = os.Link })
			}
			files := make([]File, len(tt.write))
			for i, f := range tt.write {
				files[i] = File{filepath.Join(dir, f.Path), f.Data, f.Perm, f.NoReplace}
			}
			err := WriteAll(files)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("WriteAll: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("WriteAll error = %v, want %q", err, tt.wantErr)
			}
			want := tt.wantDir
			if want == nil {
				want = tt.before
			}
			got := state(t, dir)
			if len(got) != len(want) {
				t.Errorf("directory holds %v, want exactly %v (no temporaries left)", got, want)
			}
			for name, data := range want {
				if got[name] != data {
					t.Errorf("%s = %q, want %q", name, got[name], data)
				}
			}
			if runtime.GOOS == "windows" {
				return // Windows has no Unix permission bits
			}
			for name, perm := range tt.wantPerm {
				fi, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != perm {
					t.Errorf("%s mode %v, want %v", name, fi.Mode().Perm(), perm)
				}
			}
		})
	}
}

// TestWriteKeepsOldFileIdentity checks that a replaced file is a new file
// (rename), not the old one truncated: a reader holding the old file open
// keeps reading the old content.
func TestWriteKeepsOldFileIdentity(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := Write(p, []byte("new content"), Public); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := r.Read(buf)
	if string(buf[:n]) != "old" {
		t.Errorf("open reader sees %q, want the old content", buf[:n])
	}
	if b, _ := os.ReadFile(p); string(b) != "new content" {
		t.Errorf("file = %q", b)
	}
}
