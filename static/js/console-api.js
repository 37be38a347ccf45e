// The console's API calls: the shared lib/api.js, with the console's words for a network failure.

import { messages } from "./lib/api.js";
import { t } from "./console-i18n.js";

export { api, ApiError, goToLogin } from "./lib/api.js";
export { showError } from "./lib/forms.js";

messages.network = t("error.network");
