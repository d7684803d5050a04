#!/usr/bin/env ruby
# Ground truth for the installed-gems fixture, from RubyGems itself
# (Gem::Specification.load evaluates each gemspec), not vouch's code: every
# gem as name@version (platform appended for a platform gem), its licences
# (joined with " OR ": RubyGems lists the licences a gem may be used under),
# and an edge for each runtime dependency to every installed gem whose
# version satisfies its requirement. Development dependencies are not
# installed with a gem, so nothing here is development-only.
# Usage: ruby gem-truth.rb GEM_HOME > truth.json
require "json"
require "rubygems"

home = ARGV.fetch(0)
files = Dir[File.join(home, "specifications", "*.gemspec")].sort +
        Dir[File.join(home, "specifications", "default", "*.gemspec")].sort
specs = files.map { |f| Gem::Specification.load(f) or abort("cannot load #{f}") }
key = ->(s) { s.platform.to_s == "ruby" ? "#{s.name}@#{s.version}" : "#{s.name}@#{s.version}-#{s.platform}" }
pkgs = specs.map(&key).sort.uniq
edges = []
licenses = {}
specs.each do |s|
  licenses[key.(s)] = s.licenses.join(" OR ") unless s.licenses.empty?
  s.runtime_dependencies.each do |d|
    specs.select { |t| t.name == d.name && d.requirement.satisfied_by?(t.version) }.each do |t|
      edges << "#{key.(s)} -> #{key.(t)}"
    end
  end
end
puts JSON.pretty_generate({ packages: pkgs, production: pkgs, edges: edges.sort.uniq, licenses: licenses })
