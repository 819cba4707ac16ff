#include <stddef.h>

#include "prepay/srv.h"

/* The rows of this build (a test build links its own table instead). */
const struct srv_row *const srv_rows[] = {
	&srv_update_prepay,
	NULL,
};
