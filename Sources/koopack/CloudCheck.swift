import CloudAPI
import DiskImage
import ImagePackage
import ReleasePolicy

/// `check --cloud`: each image's metadata asked of IMS. With files, every file's image is looked
/// up by `--image-id` or its sidecar's `id` and IMS's answer laid over the sidecar (differences
/// are warnings); with no file, the `--image-id` image is judged from IMS alone. The project IMS
/// answered for in the image's region is the seller's project (`CheckContext.sellerOwner`)
/// unless `--owner` says otherwise.
enum CloudCheck {
    /// Finds and judges the images of every argument (or the `--image-id` image alone when there
    /// is none), in parallel, keeping argument order. A region that failed, an image IMS does not
    /// have, or credentials missing are failures in the results, so they are diagnosed and the
    /// exit status is 2; the other images are still judged.
    static func run(arguments: [String], options: DiscoveryOptions, context: CheckContext,
                    cloud: CloudLookupOptions, regions given: [String]) async -> [Result<ImageCheckResult, ImageError>] {
        let client: IMSClient
        do { client = try cloud.connection.imsClient() } catch {
            return [.failure(ImageError(.io, file: "IMS", "\(error)"))]
        }
        // Every argument's inputs, in order; a failure to find them keeps its place.
        var slots: [Result<ImageInput, ImageError>] = []
        for argument in arguments {
            do { slots += try ImageDiscovery.discover(argument, options: options).map { .success($0) } } catch {
                slots.append(.failure((error as? ImageError)?.attributed(to: argument) ?? ImageError(.io, file: argument, "\(error)")))
            }
        }
        let wanted: [String?] = slots.map { slot in options.imageID ?? (try? slot.get())?.metadata?.id }
        var ids = Array(Set(wanted.compactMap { $0 })).sorted()
        if arguments.isEmpty, let id = options.imageID { ids = [id] }
        let (regions, named) = CloudLookupOptions.regions(given, profile: context.profile)
        let search = await client.search(regions: regions, imageIDs: ids, strictRegions: named)

        var outcomes: [Result<ImageCheckResult, ImageError>?] = []
        var jobs: [(input: ImageInput, context: CheckContext)] = []
        var places: [Int] = []
        func judge(_ input: ImageInput, _ context: CheckContext) {
            places.append(outcomes.count)
            outcomes.append(nil)
            jobs.append((input, context))
        }
        for failure in search.failures {
            outcomes.append(.failure(ImageError(.io, file: "IMS region \(failure.region)", "\(failure.error)")))
        }
        let asked = search.answeredRegions.joined(separator: ", ")
        if arguments.isEmpty, let id = options.imageID {
            if let found = search.image(id: id) {
                do {
                    let metadata = try IMSMetadataOverlay.metadata(imsImage: found.image, region: found.region, source: "IMS \(found.region)")
                    judge(IMSMetadataOverlay.input(imsImage: metadata, region: found.region), Self.context(context, found))
                } catch {
                    outcomes.append(.failure((error as? ImageError) ?? ImageError(.invalid, file: "IMS \(found.region)", "\(error)")))
                }
            } else if !asked.isEmpty {
                outcomes.append(.failure(ImageError(.invalid, file: "IMS", "image \(id) is in none of the regions that answered (\(asked))")))
            }
        }
        for (slot, id) in zip(slots, wanted) {
            guard case var .success(input) = slot else {
                if case let .failure(error) = slot { outcomes.append(.failure(error)) }
                continue
            }
            guard let id else {
                input.warnings.append("no IMS image ID to ask for (give --image-id, or an id in its sidecar): judged without IMS")
                judge(input, context)
                continue
            }
            guard let found = search.image(id: id) else {
                input.warnings.append(asked.isEmpty ? "no region answered for image \(id): judged without IMS"
                    : "image \(id) is in none of the regions that answered (\(asked)): judged without IMS")
                judge(input, context)
                continue
            }
            do {
                let metadata = try IMSMetadataOverlay.metadata(imsImage: found.image, region: found.region, source: "IMS \(found.region)")
                judge(IMSMetadataOverlay.overlay(input, with: metadata), Self.context(context, found))
            } catch {
                outcomes.append(.failure((error as? ImageError)?.attributed(to: input.displayName)
                    ?? ImageError(.invalid, file: input.displayName, "\(error)")))
            }
        }
        let done: [Result<ImageCheckResult, ImageError>] = await ParallelWork.mapInBackground(jobs) { job in
            if case .ims = job.input.origin { return .success(ImageCheck.run(imsImage: job.input, context: job.context)) }
            do { return .success(try ImageCheck.run(job.input, context: job.context)) } catch {
                return .failure((error as? ImageError)?.attributed(to: job.input.displayName)
                    ?? ImageError(.io, file: job.input.displayName, "\(error)"))
            }
        }
        for (place, result) in zip(places, done) { outcomes[place] = result }
        return outcomes.compactMap { $0 }
    }

    /// `context` for an image IMS found: its region is where IMS has it (no `--region` override:
    /// with `--cloud`, `--region` names the regions to ask), and the seller's project is the one
    /// IMS answered for there unless `--owner` gave one.
    static func context(_ context: CheckContext, _ found: IMSImageSearch.Found) -> CheckContext {
        var adjusted = context
        adjusted.regionOverride = nil
        if adjusted.sellerOwner?.isEmpty ?? true, !found.projectID.isEmpty { adjusted.sellerOwner = found.projectID }
        return adjusted
    }
}
