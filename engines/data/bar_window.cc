#include "engines/data/bar_window.h"

namespace btr {
namespace {

template <typename T>
void CopyColumn(const Column<T>& from, BarRange range, Column<T>* to) {
  to->assign(from.begin() + static_cast<std::ptrdiff_t>(range.begin),
             from.begin() + static_cast<std::ptrdiff_t>(range.end));
}

}  // namespace

BarSeries CopyBars(const BarSeries& source, BarRange range) {
  BarSeries out;
  out.symbol = source.symbol;
  out.has_volume = source.has_volume;
  CopyColumn(source.time, range, &out.time);
  CopyColumn(source.open, range, &out.open);
  CopyColumn(source.high, range, &out.high);
  CopyColumn(source.low, range, &out.low);
  CopyColumn(source.close, range, &out.close);
  CopyColumn(source.volume, range, &out.volume);
  return out;
}

BarWindow::BarWindow(const BarSeries& source, BarRange range) : source_(&source), range_(range) {
  if (range.begin != 0 || range.end != source.size()) {
    owned_ = std::make_unique<const BarSeries>(CopyBars(source, range));
  }
}

}  // namespace btr
