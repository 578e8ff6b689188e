/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define __AVANUE_H_INSIDE__

#include "avanue-version.h"
#include "avanue-enum-types.h"
#include "avanue-capabilities.h"
#include "avanue-data-channel.h"
#include "avanue-identity.h"
#include "avanue-invite-code.h"
#include "avanue-participant.h"
#include "avanue-peer-connection.h"
#include "avanue-protocol.h"
#include "avanue-session.h"
#include "avanue-signaling-client.h"
#include "avanue-stun-message.h"
#include "avanue-turn-credentials.h"

#undef __AVANUE_H_INSIDE__
