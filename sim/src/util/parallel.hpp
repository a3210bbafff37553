#pragma once
// The wrappers around oneTBB's parallel algorithms. Work items are indices;
// each writes only to its own slot of a pre-sized buffer, so results never
// depend on how the range is split or on the number of threads.
//
// Under ThreadSanitizer they also tell TSan what oneTBB synchronises:
// Debian's libtbb is not instrumented, so TSan cannot see that the work a
// thread did before a parallel call happens before every task of it, and
// every task before the call returns. Without these edges each value that a
// worker writes and the calling thread reads later is reported as a race
// (and a suppression broad enough to hide those would hide real races
// between two tasks too). Tasks of one call get no edge between them, so a
// race between two tasks that run on different threads, with nothing else
// ordering them, is still found. Elsewhere the annotations compile
// to nothing.

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <type_traits>

#if defined(__SANITIZE_THREAD__)
#define TALENTSIM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TALENTSIM_TSAN 1
#endif
#endif

#ifdef TALENTSIM_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
#endif

namespace talentsim::detail {

//! The happens-before edges of one parallel call (see the top of this file).
class ForkJoin {
 public:
  //! On the calling thread, before the call: its work so far is published.
  ForkJoin() noexcept { release(&fork_); }
  //! On the calling thread, after the call: every task's work is seen.
  ~ForkJoin() { acquire(&join_); }
  ForkJoin(const ForkJoin&) = delete;
  ForkJoin& operator=(const ForkJoin&) = delete;

  //! Runs fn() as one task of the call (its end is published also when fn
  //! throws, for the caller's handler).
  template <class Fn>
  void task(Fn&& fn) {
    acquire(&fork_);
    const struct Done {
      ForkJoin* edges;
      ~Done() { release(&edges->join_); }
    } done{this};
    fn();
  }

 private:
#ifdef TALENTSIM_TSAN
  static void acquire(char* at) noexcept {
    __tsan_acquire(at);
  }
  static void release(char* at) noexcept {
    __tsan_release(at);
  }
#else
  static void acquire(char*) noexcept {}
  static void release(char*) noexcept {}
#endif
  char fork_ = 0, join_ = 0;
};

//! The body of parallel_for: oneTBB copies it into each task it makes, and
//! a task's copy may have been written by another thread (when a range is
//! split, or in a task object recycled by libtbb's pool) through code TSan
//! cannot see. Its two pointers are read with TSan's reads ignored; the
//! work they lead to is ordered by the call's edges.
template <class Fn>
class ForBody {
 public:
  ForBody(Fn& fn, ForkJoin& edges) noexcept : fn_(&fn), edges_(&edges) {}
  void operator()(const tbb::blocked_range<std::size_t>& range) const {
#ifdef TALENTSIM_TSAN
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
#endif
    Fn* const fn = fn_;
    ForkJoin* const edges = edges_;
    const std::size_t begin = range.begin(), end = range.end();
#ifdef TALENTSIM_TSAN
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
#endif
    edges->task([&] {
      for (std::size_t i = begin; i != end; ++i) (*fn)(i);
    });
  }

 private:
  Fn* fn_;
  ForkJoin* edges_;
};

template <class Fn>
void parallel_for(std::size_t n, Fn&& fn, std::size_t grain = 1) {
  if (n == 0) return;
  ForkJoin edges;
  using F = std::remove_reference_t<Fn>;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain), ForBody<F>(fn, edges));
}

//! Runs a() and b(), in parallel where a core is free (tbb::parallel_invoke,
//! as parallel_for over two items: a task of tbb::parallel_invoke reads its
//! function before any edge could be added).
template <class A, class B>
void parallel_invoke(A&& a, B&& b) {
  parallel_for(2, [&](std::size_t i) {
    if (i == 0) {
      a();
    } else {
      b();
    }
  });
}

//! Sorts [first, last) by `less` on every core. Only for orders in which
//! elements that compare equal are identical, so that any correct sort gives
//! the same result. Under ThreadSanitizer it is std::sort: oneTBB's sort
//! moves elements outside any function of ours, where no edge can be added.
template <class It, class Less = std::less<>>
void parallel_sort(It first, It last, Less less = {}) {
#ifdef TALENTSIM_TSAN
  std::sort(first, last, less);
#else
  tbb::parallel_sort(first, last, less);
#endif
}

}  // namespace talentsim::detail
