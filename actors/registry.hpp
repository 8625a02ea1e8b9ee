// One actor per domain, created at start. The domains fill in their state
// and repositories as they are built; an actor without either is still a
// strand with a bounded mailbox.
#pragma once

#include <memory>
#include <vector>

#include "actors/actor.hpp"

namespace crmd::actors {

class Registry {
 public:
  Registry(const boost::asio::any_io_executor& io, std::size_t mailbox_limit)
      : identity(io, "identity", mailbox_limit),
        contacts(io, "contacts", mailbox_limit),
        leads(io, "leads", mailbox_limit),
        deals(io, "deals", mailbox_limit),
        drive(io, "drive", mailbox_limit),
        calendar(io, "calendar", mailbox_limit),
        email(io, "email", mailbox_limit),
        jobs(io, "jobs", mailbox_limit),
        scheduler(io, "scheduler", mailbox_limit) {}

  Actor identity, contacts, leads, deals, drive, calendar, email, jobs, scheduler;

  std::vector<const Actor*> all() const {
    return {&identity, &contacts, &leads, &deals, &drive, &calendar, &email, &jobs, &scheduler};
  }
};

}  // namespace crmd::actors
