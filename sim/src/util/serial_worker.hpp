#pragma once
// One background thread that runs jobs one at a time, in submission order.
// The output writer hands it whole blocks of data to compress and write, so
// the HDF5 work overlaps the next steps instead of stopping them. At most
// `max_pending` jobs wait in the queue (submit blocks beyond that), which
// bounds the memory held by data waiting to be written. A job that throws
// stops the worker: the jobs after it are dropped and the error is rethrown
// to the submitting thread by the next submit() or drain(). Without
// `background`, jobs run at once on the submitting thread (a run limited to
// one thread never uses a second core).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace talentsim::detail {

class SerialWorker {
 public:
  explicit SerialWorker(bool background, std::size_t max_pending = 2)
      : max_pending_(max_pending), background_(background) {
    if (background_) thread_ = std::thread([this] { loop(); });
  }
  ~SerialWorker() { stop(); }
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  //! Queues a job; waits while the queue is full. Rethrows an earlier job's error.
  void submit(std::function<void()> job) {
    if (!background_) {
      const auto t0 = std::chrono::steady_clock::now();
      job();
      busy_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return;
    }
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return error_ || stopping_ || jobs_.size() < max_pending_; });
    rethrow_locked();
    jobs_.push_back(std::move(job));
    changed_.notify_all();
  }

  //! Waits until every queued job has run; rethrows the first job error.
  void drain() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return error_ || stopping_ || (jobs_.empty() && !busy_); });
    rethrow_locked();
  }

  //! Drops the queued jobs, waits for the running one and ends the thread.
  void stop() noexcept {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      jobs_.clear();
      changed_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

  //! Whether jobs run on the background thread.
  bool background() const noexcept { return background_; }

  //! Seconds spent running jobs so far.
  double busy_seconds() const {
    std::lock_guard lock(mutex_);
    return busy_seconds_;
  }

 private:
  void rethrow_locked() {
    if (error_) std::rethrow_exception(error_);
  }

  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      const auto t0 = std::chrono::steady_clock::now();
      std::exception_ptr error;
      try {
        job();
      } catch (...) {
        error = std::current_exception();
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      lock.lock();
      busy_ = false;
      busy_seconds_ += seconds;
      if (error) {
        error_ = error;
        jobs_.clear();
      }
      changed_.notify_all();
    }
  }

  std::size_t max_pending_;
  bool background_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false, stopping_ = false;
  std::exception_ptr error_;
  double busy_seconds_ = 0;
  std::thread thread_;  // last: starts after every other member exists
};

}  // namespace talentsim::detail
