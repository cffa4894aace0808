// Signal handling and the hard limit on shutdown; see shutdown.h.
#include "operator/run/shutdown.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "operator/util/guard.h"
#include "operator/util/log.h"
#include "operator/util/worker_threads.h"

namespace kubemesos::run {
namespace {

std::atomic<bool> g_requested{false};
int g_pipe[2] = {-1, -1};  // [0]: read by the thread; [1]: written by the handler

constexpr char kSignal = 's';
constexpr char kQuit = 'q';

void WriteByte(char c) {
  // write(2) is async-signal-safe; a full pipe already holds a wake-up, so a failure is fine.
  ssize_t ignored = ::write(g_pipe[1], &c, 1);
  (void)ignored;
}

void OnSignal(int) {
  int saved = errno;
  g_requested = true;
  WriteByte(kSignal);
  errno = saved;
}

void SetHandler(void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

}  // namespace

ShutdownSignals::ShutdownSignals(std::chrono::steady_clock::duration hard_limit,
                                 std::function<void()> on_signal)
    : hard_limit_(hard_limit), on_signal_(std::move(on_signal)) {
  g_requested = false;
  if (::pipe(g_pipe) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  thread_ = std::thread([this] {
    util::NameThisThread("shutdown");
    Run();
  });
  SetHandler(OnSignal);
}

ShutdownSignals::~ShutdownSignals() {
  SetHandler(SIG_DFL);
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  WriteByte(kQuit);
  thread_.join();
  ::close(g_pipe[0]);
  ::close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
}

const std::atomic<bool>& ShutdownSignals::requested() const {
  return g_requested;
}

void ShutdownSignals::Request() {
  g_requested = true;
  WriteByte(kSignal);
}

void ShutdownSignals::Run() {
  char c = 0;
  while (true) {
    ssize_t n = ::read(g_pipe[0], &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1 || c == kQuit) return;
    if (c == kSignal) break;
  }
  auto limit = std::chrono::steady_clock::now() + hard_limit_;
  log::Info("stop requested",
            {{"hardLimitSeconds", std::chrono::duration<double>(hard_limit_).count()}});
  if (on_signal_) util::Guarded("shutdown", "waking the loop", on_signal_);
  std::unique_lock<std::mutex> lock(mu_);
  if (cv_.wait_until(lock, limit, [this] { return done_; })) return;
  log::Error("shutdown did not finish in time: exiting now, with work in flight",
             {{"hardLimitSeconds", std::chrono::duration<double>(hard_limit_).count()},
              {"stuckIn", stage_.load()}});
  std::fflush(stderr);
  std::_Exit(1);
}

}  // namespace kubemesos::run
