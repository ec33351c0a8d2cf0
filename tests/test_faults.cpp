// Faults while saving and loading checkpoints: a save killed at any moment,
// a system call failing at any step of a save, a full disk, a target that
// cannot be written, a damaged file. After each, the last good checkpoint
// still loads whole, a failed save is an ember::Error naming the file and the
// cause and leaves no temporary file behind, and a failed load changes
// nothing in the model, the optimizer or the random generator.
//
// How a save works (nn/serialize.cpp): mkstemp a temporary file next to the
// target, write the length, the header and each tensor, fchmod, fsync, close,
// rename over the target, fsync the folder. Only the rename makes the new
// version visible, and it is atomic.
//
// Not here: the catalogue of malformed-file messages (test_serialize,
// test_optim) and random fuzzing of the reader (fuzz/).
#include <dlfcn.h>
#include <ember.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>
#include "core_test_util.h"

using namespace ember;
using ember::testing::error_of;
namespace fs = std::filesystem;

// --- fault injection ------------------------------------------------------------
// This executable defines the libc functions that a save calls. The dynamic
// linker binds libember's calls to these definitions (an executable's symbols
// come first), and each forwards to the real function (dlsym RTLD_NEXT) —
// unless a test armed a fault: then the call numbered `fail_at` fails with
// `error` instead, as the kernel would report a full disk or an I/O error.
// Unarmed, they only pass calls through.
namespace fault {
int fail_at = -1;  // the 0-based call (counting every function below) to fail; -1 = never
int error = EIO;
std::vector<std::string> calls;  // the calls seen while armed, in order
bool short_writes = false;       // write() takes at most 3 bytes per call (a loop must finish it)

void arm(int at, int err) {
  fail_at = at;
  error = err;
  calls.clear();
}
void disarm() { fail_at = -1; }
bool armed() { return fail_at >= 0 || short_writes; }

// Records the call; true when this one is to fail.
bool fails(const char* name) {
  if (!armed()) return false;
  calls.emplace_back(name);
  return static_cast<int>(calls.size()) - 1 == fail_at;
}

template <class F>
F* real(const char* name) {
  return reinterpret_cast<F*>(dlsym(RTLD_NEXT, name));
}
}  // namespace fault

extern "C" {
int mkstemp(char* tmpl) {
  static auto* next = fault::real<int(char*)>("mkstemp");
  if (fault::fails("mkstemp")) return errno = fault::error, -1;
  return next(tmpl);
}
ssize_t write(int fd, const void* data, size_t n) {
  static auto* next = fault::real<ssize_t(int, const void*, size_t)>("write");
  if (fault::fails("write")) return errno = fault::error, -1;
  return next(fd, data, fault::short_writes ? std::min<size_t>(n, 3) : n);
}
int fchmod(int fd, mode_t mode) {
  static auto* next = fault::real<int(int, mode_t)>("fchmod");
  if (fault::fails("fchmod")) return errno = fault::error, -1;
  return next(fd, mode);
}
int fsync(int fd) {
  static auto* next = fault::real<int(int)>("fsync");
  if (fault::fails("fsync")) return errno = fault::error, -1;
  return next(fd);
}
int close(int fd) {
  static auto* next = fault::real<int(int)>("close");
  int result = next(fd);  // Linux frees the descriptor even when close reports an error
  if (fault::fails("close")) return errno = fault::error, -1;
  return result;
}
int rename(const char* from, const char* to) {
  static auto* next = fault::real<int(const char*, const char*)>("rename");
  if (fault::fails("rename")) return errno = fault::error, -1;
  return next(from, to);
}
}

namespace {

// A fresh folder per test (and per process: the normal and the ASan build may run at once).
class Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    dir =
        fs::temp_directory_path() /
        ("ember_test_faults_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
         "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    set_num_threads(1);  // the fork tests: a child of a process with an OpenMP team must not use it
  }
  void TearDown() override {
    fault::disarm();
    fault::short_writes = false;
    std::error_code ignored;
    fs::permissions(dir, fs::perms::owner_all, ignored);
    fs::remove_all(dir, ignored);
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
  // Names in the folder other than `keep`: temporary files a save left behind.
  std::vector<std::string> strays(const std::vector<std::string>& keep) const {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(dir)) {
      std::string name = e.path().filename().string();
      if (std::find(keep.begin(), keep.end(), name) == keep.end()) out.push_back(name);
    }
    return out;
  }
  fs::path dir;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Runs body() in a forked child — for what must not touch this process: a
// file-size limit, a change of user — and returns the text it returned.
std::string in_child(const std::function<std::string()>& body) {
  int report[2];
  if (::pipe(report) != 0) return std::string("pipe: ") + std::strerror(errno);
  pid_t child = ::fork();
  if (child < 0) return std::string("fork: ") + std::strerror(errno);
  if (child == 0) {
    ::close(report[0]);
    std::string text = body();
    ssize_t ignored = ::write(report[1], text.data(), text.size());
    (void)ignored;
    ::_exit(0);  // not exit(): the parent's gtest and static destructors are not the child's to run
  }
  ::close(report[1]);
  std::string text;
  char buffer[512];
  for (ssize_t n; (n = ::read(report[0], buffer, sizeof buffer)) > 0;)
    text.append(buffer, static_cast<size_t>(n));
  ::close(report[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  if (!WIFEXITED(status)) text += " (the child died, status " + std::to_string(status) + ")";
  return text;
}

// A model and its Adam state whose every value says which version it is:
// parameters, exp_avg and exp_avg_sq filled with v, step counts v, lr v / 1000.
// A file that loads with mixed values was half-written.
struct Versioned {
  explicit Versioned(int64_t in = 64, int64_t hidden = 96, int64_t out = 32)
      : model{std::make_shared<nn::Linear>(in, hidden), std::make_shared<nn::Tanh>(),
              std::make_shared<nn::Linear>(hidden, out)},
        optimizer(model.parameters(), {.lr = 1e-3}) {
    for (auto& p : model.parameters()) p.set_grad(ones(p.shape()));
    optimizer.step();  // creates the Adam buffers
  }

  void set_version(int64_t v) {
    NoGradGuard no_grad;
    for (auto& p : model.parameters()) p.fill_(static_cast<float>(v));
    std::vector<optim::ParamState> state = optimizer.state();
    for (auto& s : state) {
      s.step = v;
      for (auto& [name, t] : s.tensors) t.fill_(static_cast<float>(v));
    }
    optimizer.set_state(std::move(state));
    optimizer.set_lr(static_cast<double>(v) / 1000);
  }

  // The one version every value agrees on, or -1 when they disagree.
  int64_t version() const {
    int64_t v = optimizer.state().at(0).step;
    auto all_are = [&](const Tensor& t) {
      for (float x : t.to_vector())
        if (x != static_cast<float>(v)) return false;
      return true;
    };
    for (auto& p : model.parameters())
      if (!all_are(p)) return -1;
    for (auto& s : optimizer.state()) {
      if (s.step != v) return -1;
      for (auto& [name, t] : s.tensors)
        if (!all_are(t)) return -1;
    }
    if (optimizer.lr() != static_cast<double>(v) / 1000) return -1;
    return v;
  }

  void save_model(const std::string& path, int64_t v) const {
    nn::save(model, path, {{"version", std::to_string(v)}});
  }
  void save_checkpoint(const std::string& path, int64_t v) const {
    optim::save_checkpoint(path, model, optimizer, nullptr, /*epoch=*/v);
  }
  // The version of a model file: its metadata and every value must agree.
  int64_t load_model(const std::string& path) {
    nn::load(model, path);
    int64_t v = std::stoll(nn::read_safetensors(path).metadata.at("version"));
    for (auto& p : model.parameters())
      for (float x : p.to_vector())
        if (x != static_cast<float>(v)) return -1;
    return v;
  }
  // The version of a checkpoint: the epoch, and every value, must agree.
  int64_t load_checkpoint(const std::string& path) {
    int64_t epoch = optim::load_checkpoint(path, model, optimizer);
    return version() == epoch ? epoch : -1;
  }

  nn::Sequential model;
  optim::Adam optimizer;
};

}  // namespace

// A child process saves version after version (both a model file and a
// one-file checkpoint); the parent SIGKILLs it at a random moment, many
// times. Each time both files load whole, at a version no older than the last
// one seen. A killed save cannot clean up, so it may leave its temporary file
// (never the target half-written); the parent removes those.
TEST_F(Faults, SaveKilledAtAnyMomentLeavesTheLastGoodCheckpoint) {
  const std::string model_path = file("model.safetensors"), ckpt_path = file("ckpt.safetensors");
  Versioned state;
  state.set_version(0);
  state.save_model(model_path, 0);
  state.save_checkpoint(ckpt_path, 0);
  int64_t model_seen = 0, ckpt_seen = 0, stray_files = 0, kills_between_saves = 0;
  manual_seed(99);
  const int kTrials = 150;
  for (int trial = 0; trial < kTrials; ++trial) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const int64_t first = std::max(model_seen, ckpt_seen) + 1;
    pid_t child = ::fork();
    ASSERT_GE(child, 0) << std::strerror(errno);
    if (child == 0) {
      ::close(ready[0]);
      char go = 1;
      if (::write(ready[1], &go, 1) != 1) ::_exit(3);
      try {
        for (int64_t v = first;; ++v) {
          state.set_version(v);
          state.save_model(model_path, v);
          state.save_checkpoint(ckpt_path, v);
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(ready[1]);
    char go = 0;
    bool started = ::read(ready[0], &go, 1) == 1;
    ::close(ready[0]);
    // 0 to 20 ms: from before the first save to several saves in.
    if (started) std::this_thread::sleep_for(std::chrono::microseconds(default_generator().below(20000)));
    ::kill(child, SIGKILL);  // before any ASSERT: a child left running would save forever
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(started) << "the child did not start";
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the saving child ended on its own (status " << status << ")";

    int64_t model_version = -1, ckpt_version = -1;
    std::string e = error_of([&] { model_version = state.load_model(model_path); });
    ASSERT_EQ(e, "(no error)") << "trial " << trial << ": the model file does not load";
    e = error_of([&] { ckpt_version = state.load_checkpoint(ckpt_path); });
    ASSERT_EQ(e, "(no error)") << "trial " << trial << ": the checkpoint does not load";
    ASSERT_GE(model_version, model_seen) << "trial " << trial << ": the model file is mixed or went back";
    ASSERT_GE(ckpt_version, ckpt_seen) << "trial " << trial << ": the checkpoint is mixed or went back";
    model_seen = model_version;
    ckpt_seen = ckpt_version;
    std::vector<std::string> left = strays({"model.safetensors", "ckpt.safetensors"});
    if (left.empty()) ++kills_between_saves;
    for (const std::string& name : left) {
      EXPECT_NE(name.find(".tmp-"), std::string::npos) << "unexpected file " << name;
      fs::remove(dir / name);
      ++stray_files;
    }
  }
  // The kills must have landed inside saves, not only between them.
  EXPECT_GT(stray_files, 0) << "no kill landed inside a save: the test proved nothing";
  EXPECT_GT(std::max(model_seen, ckpt_seen), 10) << "the child hardly ever finished a save";
  RecordProperty("kills_inside_a_save", std::to_string(stray_files));
  RecordProperty("kills_between_saves", std::to_string(kills_between_saves));
  RecordProperty("last_version", std::to_string(std::max(model_seen, ckpt_seen)));
}

// Each system call of a save fails in turn (the first, then the second, …).
// A failure before the rename is an ember::Error naming the file and the
// cause, with the old version whole and no temporary file; after the rename
// the new version is in place. Either way the file holds one whole version.
TEST_F(Faults, FailureAtEveryStepOfASaveLeavesOneWholeVersion) {
  for (bool checkpoint : {false, true}) {
    SCOPED_TRACE(checkpoint ? "save_checkpoint" : "nn::save");
    const std::string path = file("target.safetensors");
    Versioned state;
    auto save = [&](int64_t v) {
      state.set_version(v);
      checkpoint ? state.save_checkpoint(path, v) : state.save_model(path, v);
    };
    auto load = [&] { return checkpoint ? state.load_checkpoint(path) : state.load_model(path); };
    save(1);
    std::map<std::string, int> failed;  // which calls were made to fail
    int64_t version = 1;
    for (int step = 0;; ++step) {
      SCOPED_TRACE("failing call " + std::to_string(step));
      fault::arm(step, step % 2 ? ENOSPC : EIO);
      std::string e = error_of([&] { save(version + 1); });
      fault::disarm();
      if (step >= static_cast<int>(fault::calls.size())) {  // every call passed: the sequence is done
        EXPECT_EQ(e, "(no error)");
        break;
      }
      const std::string& call = fault::calls[step];
      ++failed[call];
      if (e != "(no error)") {
        EXPECT_NE(e.find("save: " + path + ": "), std::string::npos) << e;
        EXPECT_NE(e.find(std::strerror(fault::error)), std::string::npos) << call << ": " << e;
      }
      EXPECT_EQ(strays({"target.safetensors"}), std::vector<std::string>{}) << "after failing " << call;
      int64_t now = load();
      EXPECT_TRUE(now == version || now == version + 1) << "after failing " << call << ": version " << now;
      if (e == "(no error)") {
        EXPECT_EQ(now, version + 1) << call << " failed unseen, yet the file is old";
      }
      version = now;
    }
    // The interposition worked: every kind of call a save makes was made to fail.
    for (const char* call : {"mkstemp", "write", "fchmod", "fsync", "close", "rename"})
      EXPECT_GT(failed[call], 0) << call << " was never intercepted";
  }
}

// write() may write less than asked; the save loops until every byte is out.
TEST_F(Faults, ShortWritesStillProduceTheWholeFile) {
  Versioned state;
  state.set_version(7);
  fault::short_writes = true;
  state.save_checkpoint(file("ckpt.safetensors"), 7);
  fault::short_writes = false;
  EXPECT_GT(std::count(fault::calls.begin(), fault::calls.end(), "write"), 1000);
  state.set_version(0);
  EXPECT_EQ(state.load_checkpoint(file("ckpt.safetensors")), 7);
}

// A real full disk, from the kernel: a file-size limit (RLIMIT_FSIZE) makes
// write() fail with EFBIG as soon as the temporary file would pass it. (The
// usual /dev/full does not fit: a save never writes to the target path
// itself but to a fresh temporary file next to it.) The limit binds the whole
// process, so a child sets it and reports back through its exit status.
TEST_F(Faults, FullDiskIsAnErrorAndLeavesTheOldFileAndNoTemporary) {
  const std::string path = file("ckpt.safetensors");
  Versioned state;
  state.set_version(1);
  state.save_checkpoint(path, 1);
  const std::string good = read_bytes(path);
  std::string message = in_child([&] {
    ::signal(SIGXFSZ, SIG_IGN);  // report EFBIG instead of killing the process
    rlimit limit{static_cast<rlim_t>(good.size() / 2), RLIM_INFINITY};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) return std::string("setrlimit: ") + std::strerror(errno);
    state.set_version(2);
    return error_of([&] { state.save_checkpoint(path, 2); });
  });
  EXPECT_NE(message.find("save: " + path + ": write failed: " + std::strerror(EFBIG)), std::string::npos)
      << message;
  EXPECT_EQ(read_bytes(path), good) << "the old checkpoint changed";
  EXPECT_EQ(strays({"ckpt.safetensors"}), std::vector<std::string>{});
  state.set_version(0);
  EXPECT_EQ(state.load_checkpoint(path), 1);
}

// Targets that cannot be written: a path that is a folder, a path in a folder
// that does not exist. Errors, and nothing is created or left.
TEST_F(Faults, UnwritableTargetsAreErrorsAndLeaveNothing) {
  Versioned state;
  fs::create_directory(dir / "folder");
  std::string e = error_of([&] { state.save_checkpoint(file("folder"), 1); });
  EXPECT_NE(e.find("save: " + file("folder") +
                   ": cannot rename the temporary file into place: " + std::strerror(EISDIR)),
            std::string::npos)
      << e;
  EXPECT_TRUE(fs::is_directory(dir / "folder") && fs::is_empty(dir / "folder"));
  e = error_of([&] { state.save_model(file("missing/m.safetensors"), 1); });
  EXPECT_NE(e.find("save: " + file("missing/m.safetensors") +
                   ": cannot create a temporary file next to it: " + std::strerror(ENOENT)),
            std::string::npos)
      << e;
  EXPECT_EQ(strays({"folder"}), std::vector<std::string>{});
}

// A read-only folder. Permission bits do not bind root, so as root the save
// runs in a child that first becomes nobody (uid 65534).
TEST_F(Faults, ReadOnlyFolderIsAnErrorAndLeavesTheOldFile) {
  const std::string path = file("ro/m.safetensors");
  fs::create_directory(dir / "ro");
  Versioned state;
  state.set_version(1);
  state.save_model(path, 1);
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                  fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  const std::string e = in_child([&] {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0))
      return std::string("skip: cannot leave root: ") + std::strerror(errno);
    if (::access(path.c_str(), R_OK) != 0)  // the folder must be reachable: only writing is refused
      return "cannot read " + path + ": " + std::strerror(errno);
    if (::access((dir / "ro").c_str(), W_OK) == 0)
      return std::string("skip: the read-only folder is still writable (CAP_DAC_OVERRIDE?)");
    state.set_version(2);
    return error_of([&] { state.save_model(path, 2); });
  });
  if (e.rfind("skip: ", 0) == 0) GTEST_SKIP() << e.substr(6);
  EXPECT_NE(e.find("save: " + path + ": cannot create a temporary file next to it: " + std::strerror(EACCES)),
            std::string::npos)
      << e;
  state.set_version(0);
  EXPECT_EQ(state.load_model(path), 1);
}

// A checkpoint cut at many lengths (every one in the length field and the
// header's start, every tensor boundary ±1, a stride through the rest) and
// each byte of its header flipped: every load that fails leaves the model,
// the optimizer and the generator exactly as they were. (Flipping a data byte
// gives a valid file with another value — safetensors has no checksum — so
// data bytes are left to the fuzzers; test_serialize cuts a small model file
// at every length.)
TEST_F(Faults, DamagedCheckpointLeavesModelOptimizerAndGeneratorUnchanged) {
  const std::string path = file("ckpt.safetensors");
  {
    Versioned source(6, 5, 3);
    source.set_version(5);
    source.save_checkpoint(path, 5);
  }
  const std::string good = read_bytes(path);
  uint64_t header_length = 0;  // the first 8 bytes, little-endian
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | static_cast<unsigned char>(good[i]);
  const size_t header_end = 8 + header_length;
  ASSERT_LT(header_end, good.size());
  // The generator's state is ~6 KB of decimal numbers; a flipped digit there is
  // another valid state, not damage the format can see. Its first and last
  // bytes are still flipped.
  const size_t rng_begin = good.find("\"rng\":\"") + 7, rng_end = good.find('"', rng_begin);
  ASSERT_LT(rng_end, header_end);

  std::vector<size_t> cuts;
  for (size_t cut = 0; cut < 64; ++cut) cuts.push_back(cut);
  for (size_t cut = 64; cut < good.size(); cut += 61) cuts.push_back(cut);
  std::vector<size_t> boundaries = {header_end, rng_begin, rng_end};
  size_t offset = header_end;
  for (const auto& [name, t] : nn::read_safetensors(path).tensors)  // in the order of their data
    boundaries.push_back(offset += static_cast<size_t>(t.numel()) * sizeof(float));
  for (size_t boundary : boundaries)
    for (size_t cut : {boundary - 1, boundary, boundary + 1})
      if (cut < good.size()) cuts.push_back(cut);

  Versioned target(6, 5, 3);
  target.set_version(3);
  manual_seed(1234);
  const std::string rng = default_generator().state();
  auto unchanged = [&] { return target.version() == 3 && default_generator().state() == rng; };
  const std::string bad = file("bad.safetensors");
  for (size_t cut : cuts) {
    write_bytes(bad, good.substr(0, cut));
    ASSERT_THROW(target.load_checkpoint(bad), Error) << "cut at " << cut;
    ASSERT_TRUE(unchanged()) << "cut at " << cut;
  }
  int refused = 0, loaded = 0;
  for (size_t at = 0; at < header_end; ++at) {
    if (at > rng_begin && at + 1 < rng_end) continue;
    std::string damaged = good;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x01);  // '"' -> '#', '{' -> 'z', ':' -> ';', '5' -> '4'
    write_bytes(bad, damaged);
    try {
      target.load_checkpoint(bad);
    } catch (const Error&) {
      ++refused;
      ASSERT_TRUE(unchanged()) << "byte " << at;
      continue;
    }
    // A flip the format cannot see — a digit of a metadata value (lr, a step
    // count, the epoch) or a space of padding — loads that value; the tensors'
    // data is still the file's.
    ++loaded;
    for (auto& p : target.model.parameters())
      for (float x : p.to_vector()) ASSERT_EQ(x, 5.0f) << "byte " << at;
    target.set_version(3);
    default_generator().set_state(rng);
  }
  EXPECT_GT(refused, 2 * loaded) << "most header damage must be refused";
  RecordProperty("truncations", std::to_string(cuts.size()));
  RecordProperty("header_flips_refused", std::to_string(refused));
  RecordProperty("header_flips_loaded", std::to_string(loaded));
}
