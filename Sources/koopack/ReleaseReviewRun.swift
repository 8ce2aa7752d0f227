import DiskImage
import ImagePackage
import ReleaseBundle
import ReleasePolicy

extension ReleaseReview {
    /// Judges `release`: each specification's image against KG1xx (in parallel), the documents
    /// against KG2xx, under `profile`. An image named by ID that `imsImages` holds (`bundle
    /// --cloud`) is judged from IMS's metadata, with the project IMS answered for as the
    /// seller's unless `owner`.
    static func run(_ release: Release, region: String?, owner: String?, profile: PolicyProfile = .kooGallery,
                    imsImages: [String: CloudBundle.Image] = [:]) async -> ReleaseReview {
        var review = ReleaseReview()
        review.registerRegion = release.specifications.first?.regions.first
        struct Job: Sendable {
            var spec: Specification
            var input: ImageInput
            var context: CheckContext
            /// The image as release.yaml names it (an archive member keeps its own name).
            var title: String
        }
        var jobs: [Job] = []
        for spec in release.specifications {
            let context = CheckContext(regionOverride: region, releaseFileRegions: spec.regions, sellerOwner: owner,
                                       profile: profile)
            switch spec.image.source {
            case .file(let file):
                do {
                    let inputs = try ImageDiscovery.discover(file.path, options: DiscoveryOptions(metadataFile: spec.image.metadata?.path))
                    for input in inputs {
                        jobs.append(Job(spec: spec, input: input,
                                        context: context,
                                        title: input.displayName == file.path ? file.written : input.displayName))
                    }
                } catch {
                    review.unreadable.append("\(file.written) (\(file.key)): \(error)")
                }
            case .imsID(let id):
                var metadata: IMSMetadata?
                if let file = spec.image.metadata {
                    do {
                        let bytes = try BundleStage.readSmallFile(file.path, limit: IMSMetadata.maximumDocumentBytes)
                        metadata = IMSMetadata.pick(from: try IMSMetadata.parseDocument(bytes, file: file.written), imageID: id, imageFileName: nil)
                    } catch {
                        review.unreadable.append("\(file.written) (\(file.key)): \(error)")
                        continue
                    }
                }
                let ims = imsImages[id]
                let findings = evaluate(ImageCase(fileName: "IMS image \(id)", metadata: ims?.metadata ?? metadata,
                                                  regionOverride: ims == nil ? region : nil, releaseFileRegions: spec.regions,
                                                  sellerOwner: owner ?? ims?.projectID), profile: context.profile)
                review.imageIDs.append(id)
                review.add("specification \(spec.name): IMS image \(id)", findings)
            }
        }
        let results: [Result<ImageCheckResult, Error>] = await ParallelWork.mapInBackground(jobs) { job in
            do { return .success(try ImageCheck.run(job.input, context: job.context)) }
            catch { return .failure(error) }
        }
        for (job, result) in zip(jobs, results) {
            switch result {
            case .success(let checked):
                if let id = checked.input.metadata?.id, !review.imageIDs.contains(id) { review.imageIDs.append(id) }
                review.add("specification \(job.spec.name): \(job.title)", checked.findings)
            case .failure(let error):
                review.unreadable.append("\(job.input.displayName): \(error)")
            }
        }
        review.add("documents", checkDocuments(release))
        return review
    }
}
