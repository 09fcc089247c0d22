// A small command-line flag parser: `--name value`, `--name=value`, boolean `--switch`,
// repeatable flags and declared positional arguments; `-h` stands for `--help` when a `help`
// switch is declared. Unknown flags, missing values, surplus
// positionals and bad numbers are InvalidArgument errors that name the flag and what it expects.
// Not thread-safe; one parser per command invocation.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engines/core/status.h"

namespace btr::cli {

class Flags {
 public:
  // Declarations, before Parse(). `help` is shown by Usage().
  void AddValue(std::string name, std::string value_name, std::string help,
                std::string default_value = "");
  void AddRepeated(std::string name, std::string value_name, std::string help);
  void AddSwitch(std::string name, std::string help);
  // A positional argument (e.g. "ID"), in order; they may sit anywhere between the flags. Parse
  // rejects more positionals than declared but accepts fewer: the command checks what it needs.
  void AddPositional(std::string value_name, std::string help);

  // Parses argv[first..argc). Positional arguments beyond those declared are rejected.
  Status Parse(int argc, char** argv, int first);

  bool Has(std::string_view name) const;
  std::string Get(std::string_view name) const;  // the value or the declared default
  std::vector<std::string> GetAll(std::string_view name) const;
  // The positional arguments given, in order (at most as many as declared).
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool IsSet(std::string_view name) const { return Has(name); }

  // Typed reads; InvalidArgument names the flag and the expectation.
  Status GetDouble(std::string_view name, double* out) const;
  Status GetSize(std::string_view name, size_t* out) const;

  std::string Usage() const;

 private:
  struct Spec {
    std::string name, value_name, help, default_value;
    bool takes_value = true;
    bool repeated = false;
  };
  const Spec* Find(std::string_view name) const;

  std::vector<Spec> specs_;
  std::vector<Spec> positional_specs_;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positionals_;
};

// An error that names a spec field ("commission_fixed: ...", "strategy.params: ...",
// "strategy.name: ...") reworded for the command line, naming the flag that sets it
// ("--commission-fixed: ...", "--param: ...", "--strategy: ..."). Other errors pass unchanged.
Status AsFlagError(const Status& s);

}  // namespace btr::cli
