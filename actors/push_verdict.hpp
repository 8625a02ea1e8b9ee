// What a Google push notification receiver decided.
#pragma once

namespace crmd::actors {

// accepted: a known live channel with its token (work may follow); ignored:
// a channel crmd does not (or no longer) follow, answered 200 so that Google
// stops; forbidden: a wrong token, 403.
enum class NotificationVerdict { accepted, ignored, forbidden };

}  // namespace crmd::actors
