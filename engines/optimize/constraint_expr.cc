#include "engines/optimize/constraint_expr.h"

#include <cctype>
#include <cstdlib>

namespace btr {

struct ConstraintExpr::Node {
  enum class Kind { kNumber, kName, kNeg, kAdd, kSub, kMul, kDiv, kLt, kLe, kGt, kGe, kEq, kNe };
  Kind kind = Kind::kNumber;
  double number = 0;
  size_t index = 0;  // kName: the value's index
  std::unique_ptr<Node> left, right;

  double Eval(std::span<const double> v) const {
    switch (kind) {
      case Kind::kNumber: return number;
      case Kind::kName: return v[index];
      case Kind::kNeg: return -left->Eval(v);
      case Kind::kAdd: return left->Eval(v) + right->Eval(v);
      case Kind::kSub: return left->Eval(v) - right->Eval(v);
      case Kind::kMul: return left->Eval(v) * right->Eval(v);
      case Kind::kDiv: return left->Eval(v) / right->Eval(v);
      case Kind::kLt: return left->Eval(v) < right->Eval(v);
      case Kind::kLe: return left->Eval(v) <= right->Eval(v);
      case Kind::kGt: return left->Eval(v) > right->Eval(v);
      case Kind::kGe: return left->Eval(v) >= right->Eval(v);
      case Kind::kEq: return left->Eval(v) == right->Eval(v);
      case Kind::kNe: return left->Eval(v) != right->Eval(v);
    }
    return 0;
  }
};

namespace {

using Node = ConstraintExpr::Node;
using Kind = Node::Kind;
using NodePtr = std::unique_ptr<Node>;

// Recursive descent over the grammar in the header; the first error stops the parse.
class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& names)
      : text_(text), names_(names) {}

  Result<NodePtr> ParseConstraint() {
    NodePtr left = Sum();
    Kind op;
    if (!Comparison(&op)) {
      if (error_.ok()) Fail("expected a comparison (<, <=, >, >=, ==, !=)");
      return error_;
    }
    NodePtr right = Sum();
    SkipSpace();
    if (error_.ok() && pos_ < text_.size()) Fail("unexpected '" + std::string(1, text_[pos_]) + "'");
    if (!error_.ok()) return error_;
    return Binary(op, std::move(left), std::move(right));
  }

 private:
  NodePtr Sum() {
    NodePtr left = Product();
    while (error_.ok()) {
      if (Accept('+')) {
        left = Binary(Kind::kAdd, std::move(left), Product());
      } else if (Accept('-')) {
        left = Binary(Kind::kSub, std::move(left), Product());
      } else {
        break;
      }
    }
    return left;
  }
  NodePtr Product() {
    NodePtr left = Unary();
    while (error_.ok()) {
      if (Accept('*')) {
        left = Binary(Kind::kMul, std::move(left), Unary());
      } else if (Accept('/')) {
        left = Binary(Kind::kDiv, std::move(left), Unary());
      } else {
        break;
      }
    }
    return left;
  }
  NodePtr Unary() {
    if (++depth_ > 64) {
      Fail("nested too deeply");
      return Leaf(0);
    }
    NodePtr out = UnaryBody();
    --depth_;
    return out;
  }
  NodePtr UnaryBody() {
    SkipSpace();
    if (Accept('-')) return Binary(Kind::kNeg, Unary(), nullptr);
    if (Accept('(')) {
      NodePtr inner = Sum();
      if (!Accept(')') && error_.ok()) Fail("expected ')'");
      return inner;
    }
    if (pos_ < text_.size() && (std::isdigit(Byte()) || text_[pos_] == '.')) return Number();
    if (pos_ < text_.size() && (std::isalpha(Byte()) || text_[pos_] == '_')) return Name();
    Fail(pos_ < text_.size() ? "unexpected '" + std::string(1, text_[pos_]) + "'"
                             : "unexpected end, expected a name, a number or '('");
    return Leaf(0);
  }
  NodePtr Number() {
    const std::string rest(text_.substr(pos_));
    char* end = nullptr;
    const double value = std::strtod(rest.c_str(), &end);
    pos_ += static_cast<size_t>(end - rest.c_str());
    return Leaf(value);
  }
  NodePtr Name() {
    const size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(Byte()) || text_[pos_] == '_')) ++pos_;
    const std::string name(text_.substr(start, pos_ - start));
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i] != name) continue;
      auto node = std::make_unique<Node>();
      node->kind = Kind::kName;
      node->index = i;
      return node;
    }
    std::string known;
    for (const auto& n : names_) known += (known.empty() ? "" : ", ") + n;
    Fail("unknown parameter '" + name + "' (parameters: " + known + ")");
    return Leaf(0);
  }
  bool Comparison(Kind* op) {
    SkipSpace();
    const std::string_view rest = text_.substr(pos_);
    static constexpr struct {
      std::string_view token;
      Kind kind;
    } kOps[] = {{"<=", Kind::kLe}, {">=", Kind::kGe}, {"==", Kind::kEq}, {"!=", Kind::kNe},
                {"<", Kind::kLt},  {">", Kind::kGt}};
    for (const auto& o : kOps) {
      if (rest.substr(0, o.token.size()) != o.token) continue;
      pos_ += o.token.size();
      *op = o.kind;
      return true;
    }
    return false;
  }

  static NodePtr Leaf(double value) {
    auto node = std::make_unique<Node>();
    node->number = value;
    return node;
  }
  static NodePtr Binary(Kind kind, NodePtr left, NodePtr right) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
  }
  bool Accept(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(Byte())) ++pos_;
  }
  unsigned char Byte() const { return static_cast<unsigned char>(text_[pos_]); }
  void Fail(const std::string& what) {
    if (!error_.ok()) return;
    error_ = Status::InvalidArgument("constraint '" + std::string(text_) + "': " + what +
                                     " at character " + std::to_string(pos_ + 1));
  }

  std::string_view text_;
  const std::vector<std::string>& names_;
  size_t pos_ = 0;
  int depth_ = 0;
  Status error_;
};

}  // namespace

Result<ConstraintExpr> ConstraintExpr::Parse(std::string_view text,
                                             const std::vector<std::string>& names) {
  if (text.size() > 1000) {
    return Status::InvalidArgument("a constraint is at most 1000 characters long");
  }
  Parser parser(text, names);
  Result<NodePtr> root = parser.ParseConstraint();
  if (!root.ok()) return root.status();
  ConstraintExpr out;
  out.text_ = std::string(text);
  out.root_ = std::shared_ptr<const Node>(std::move(root).value());
  return out;
}

bool ConstraintExpr::Holds(std::span<const double> values) const {
  return root_->Eval(values) != 0;
}

}  // namespace btr
