// A bounded cache whose entries expire: the least recently used entry goes
// when it is full. Not thread-safe: its owner (an actor) serialises access.
#pragma once

#include <chrono>
#include <list>
#include <optional>
#include <unordered_map>
#include <utility>

namespace crmd {

template <class Key, class Value, class Clock = std::chrono::steady_clock>
class TtlCache {
 public:
  TtlCache(std::size_t capacity, typename Clock::duration ttl) : capacity_(capacity), ttl_(ttl) {}

  std::optional<Value> get(const Key& key, typename Clock::time_point now = Clock::now()) {
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    if (now >= it->second->expires) {
      entries_.erase(it->second);
      index_.erase(it);
      return std::nullopt;
    }
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->value;
  }

  void put(const Key& key, Value value, typename Clock::time_point now = Clock::now()) {
    if (auto it = index_.find(key); it != index_.end()) {
      entries_.erase(it->second);
      index_.erase(it);
    }
    if (capacity_ == 0) return;
    if (index_.size() >= capacity_) {
      index_.erase(entries_.back().key);
      entries_.pop_back();
    }
    entries_.push_front({key, std::move(value), now + ttl_});
    index_.emplace(key, entries_.begin());
  }

  std::size_t size() const { return index_.size(); }
  void clear() {
    index_.clear();
    entries_.clear();
  }

 private:
  struct Entry {
    Key key;
    Value value;
    typename Clock::time_point expires;
  };

  std::size_t capacity_;
  typename Clock::duration ttl_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<Key, typename std::list<Entry>::iterator> index_;
};

}  // namespace crmd
