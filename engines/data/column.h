// Column<T>: the storage of one bar field. A std::vector whose allocator
//  - leaves elements uninitialized on resize() (a loader overwrites every element anyway, and
//    zero-filling 8 MB per million bars first is measurable), and
//  - asks for transparent huge pages for buffers of 4 MiB and more, which removes most of the
//    page faults of loading or generating millions of bars.
// Otherwise it is a std::vector: same iterators, spans, thread-compatibility.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace btr {

template <typename T>
class ColumnAllocator {
 public:
  using value_type = T;

  ColumnAllocator() = default;
  template <typename U>
  ColumnAllocator(const ColumnAllocator<U>&) noexcept {}  // NOLINT: rebinding

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugeThreshold) return static_cast<T*>(::operator new(bytes));
    const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (p == nullptr) throw std::bad_alloc();
    madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure only costs speed
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) < kHugeThreshold) {
      ::operator delete(p);
    } else {
      std::free(p);
    }
  }

  // Default-initialization: no zero fill for arithmetic types.
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <typename U>
  bool operator==(const ColumnAllocator<U>&) const noexcept {
    return true;
  }

 private:
  static constexpr size_t kHugePage = size_t{2} << 20;
  static constexpr size_t kHugeThreshold = size_t{4} << 20;
};

template <typename T>
using Column = std::vector<T, ColumnAllocator<T>>;

}  // namespace btr
