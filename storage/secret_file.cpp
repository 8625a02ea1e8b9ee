#include "storage/secret_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "domain/common/crypto.hpp"
#include "domain/identity/jwt.hpp"

namespace crmd::storage {

std::string load_or_create_secret(const std::filesystem::path& path, std::size_t bytes) {
  std::filesystem::create_directories(path.parent_path());
  const std::string secret = identity::base64url_encode(random_bytes(bytes));
  // O_EXCL: of two processes starting at once, one writes and both read it.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) {
    const bool written =
        ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
    ::close(fd);
    if (!written) throw std::runtime_error("cannot write " + path.string());
    return secret;
  }
  if (errno != EEXIST)
    throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string existing = text.str();
  while (!existing.empty() && (existing.back() == '\n' || existing.back() == ' '))
    existing.pop_back();
  if (existing.size() < 32)
    throw std::runtime_error(path.string() + " holds a secret shorter than 32 bytes");
  return existing;
}

}  // namespace crmd::storage
