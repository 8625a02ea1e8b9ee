// Between Google's events and crmd's: what a Google event is as a row of the
// mirror, and what an event made or changed here is as a Google write.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "domain/calendar/event.hpp"
#include "storage/calendar/repository.hpp"
#include "storage/google/calendar.hpp"

namespace crmd::actors {

// A Google event as the calendar's row (its owner left to the caller); a
// cancelled one without a start (a tombstone) as a Tombstone. Text is made
// storable and cut to the columns' limits.
std::variant<storage::EventRow, storage::Tombstone> mirror_of(const google::CalendarEvent& event,
                                                              const std::string& calendar_id);

// The event's fields as Google's insert or patch body.
google::CalendarEventWrite google_write(const calendar::EventFields& fields,
                                        std::optional<std::string> meet_request_id);

}  // namespace crmd::actors
