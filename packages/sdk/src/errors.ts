export { ConfigurationError, TruseraError, ValidationError } from "@trusera/core";
