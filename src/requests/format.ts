/** The file format a request asks for. Pure module. */
import type { ApiRequest } from "../api";
import { IMAGE_FORMATS, type ImageFormat } from "../images/sniff";

/** The file format a request asks for (the saved files are checked against it); JPEG when it names none. */
export function outputFormatOf(req: ApiRequest): ImageFormat {
  return IMAGE_FORMATS.find((f) => f === req.values["output_format"]) ?? "jpeg";
}
