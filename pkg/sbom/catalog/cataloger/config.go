package cataloger

// Config is what a run tells its catalogers. The zero value is usable.
type Config struct {
	// Version is the release version the user gave for the main
	// components (--version); "" means each cataloger resolves its own.
	Version string
	// ModCache is the Go module cache to read; "" means the usual place.
	ModCache string
	// TempDir is where [Local] copies files out of archives; "" means
	// os.TempDir.
	TempDir string
	// Limits bound what is read from archives (and layers).
	Limits Limits
	// Repos looks up release tags in the git repositories files sit in;
	// nil means none is looked up.
	Repos Repos
	// Registry is the registry of the run, for catalogers that look
	// inside files (archives); [Registry.With] sets it.
	Registry *Registry
	// LicenseCache keeps licence detection results between runs; nil
	// means none is kept.
	LicenseCache Cache
}

// Cache keeps results of deterministic computations between runs (vouch's
// is internal/diskcache). A caller's key names everything the value is
// computed from, so that an entry is only ever reused for the same input.
type Cache interface {
	// Get returns the value stored under key.
	Get(key string) (string, bool)
	// Put stores value under key.
	Put(key, value string)
	// Len is the number of entries.
	Len() int
}

// Repos answers what the git repositories holding the sources say about
// versions.
type Repos interface {
	// CheckoutTag is the release tag on the checked-out commit of the
	// repository holding dir, for a module rooted at dir (a module in a
	// subdirectory takes tags prefixed with that directory).
	CheckoutTag(dir string) (tag string, ok bool)
	// RevisionTagger returns the lookup of the release tag naming a commit
	// in the repository holding dir, or nil outside a repository.
	RevisionTagger(dir string) func(rev string) (tag string, ok bool)
	// PseudoVersion is the Go pseudo-version of the checked-out commit of
	// the repository holding dir for the module modPath rooted at dir
	// ("+dirty" with local changes); ok is false outside a work tree or
	// without git.
	PseudoVersion(dir, modPath string) (version string, ok bool)
}

// Limits bound what one archive may make vouch read. Every limit is checked
// against the bytes actually decompressed, never against what a header
// claims, so a lying header cannot get past them. A field that is zero (or
// negative) takes its value from [DefaultLimits].
type Limits struct {
	// MaxEntries is the most entries of any kind (files, directories,
	// links) an archive may hold.
	MaxEntries int
	// MaxEntrySize is the most bytes one entry may decompress to.
	MaxEntrySize int64
	// MaxTotalSize is the most bytes the whole archive may decompress to.
	MaxTotalSize int64
	// MaxRatio is the most decompressed bytes per compressed byte. It is
	// checked only once more than [RatioFloor] bytes were decompressed, so
	// that small, highly compressible files do not trip it.
	MaxRatio int64
}

// RatioFloor is how many bytes an archive may decompress to before
// [Limits.MaxRatio] applies.
const RatioFloor = 1 << 20

// DefaultLimits are generous for real releases (a Go binary is tens of
// MiB, a release archive rarely holds more than a few hundred files) and
// stop decompression bombs long before they fill a disk.
func DefaultLimits() Limits {
	return Limits{
		MaxEntries:   100_000,
		MaxEntrySize: 4 << 30,
		MaxTotalSize: 16 << 30,
		MaxRatio:     200,
	}
}

// WithDefaults fills every unset field from [DefaultLimits].
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxEntrySize <= 0 {
		l.MaxEntrySize = d.MaxEntrySize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	return l
}
